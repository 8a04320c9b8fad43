using System.Diagnostics;
using System.Text.Json;
using MeshProxy.Xds.Conversion;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MeshProxy.Xds.Bootstrap;

/// <summary>
/// One YAML-to-JSON conversion as a single pass over YamlDotNet's parser events, written straight to a
/// <see cref="Utf8JsonWriter"/>: no node tree, so a megabyte-sized config costs the parser's short-lived garbage only.
/// It reports what the representation model (<c>YamlStream.Load</c> then a tree walk) reported, in the same order:
/// errors of loading the whole stream first (syntax, duplicate keys, unknown anchors, an alias as a document),
/// then more than one document, then the first problem writing document 0 (a non-scalar key, nesting deeper
/// than <see cref="MaxDepth"/>). Errors of the last kind are held until the stream has been read, and
/// each check runs once the event after its node has been parsed, as the representation model's look-ahead did.
/// While document 0 is written, the events of anchored nodes (only those) are kept on a tape; an alias replays its
/// node's stretch of it, up to <see cref="MaxAliasNodes"/> nodes in all.
/// </summary>
internal sealed class YamlJsonTranscoder
{
    public const int MaxDepth = 128;

    /// <summary>Nodes that aliases may expand to, in total: a guard against alias bombs ("billion laughs").</summary>
    public const int MaxAliasNodes = 1 << 20;

    // Up to this many keys a mapping checks for duplicates by scanning; beyond, by hashing.
    private const int KeysBeforeHashing = 16;

    private readonly IParser _parser;
    private readonly Utf8JsonWriter _writer;

    private int _documents;
    private Mark _secondRoot;
    private string? _writeError;
    private bool _writing;
    private int _aliasNodes;
    private Mark _expanding;

    // State of the current document.
    private readonly Dictionary<AnchorName, Anchor> _anchors = [];
    private readonly List<TapeEntry> _tape = [];
    private readonly List<(TagName Tag, string Value)> _keys = [];
    private readonly List<AnchorAlias> _unresolved = [];
    private Frame[] _frames = new Frame[16];
    private int _depth;
    private int _recording;
    private bool _atRoot;

    public YamlJsonTranscoder(IParser parser, Utf8JsonWriter writer)
    {
        _parser = parser;
        _writer = writer;
    }

    /// <summary>
    /// Reads the whole stream and writes its one document (<c>{}</c> for none). Throws <see cref="YamlException"/>
    /// for what loading the stream rejects, <see cref="ConfigException"/> for the rest.
    /// </summary>
    public void Run()
    {
        var current = Next();
        while (current is not null)
        {
            var next = current is StreamEnd ? null : Next();
            Handle(current);
            if (next is MappingEnd && _depth > 0 && Top.IsMapping && !Top.ExpectKey)
            {
                // YamlDotNet's parser can end a mapping right after a key (`k:\n  &a "b" *c`); the representation
                // model failed there, with an ArgumentException rather than a YAML error.
                throw new ConfigException(
                    string.Empty, $"invalid YAML at line {Top.KeyStart.Line}, column {Top.KeyStart.Column}: a mapping key without a value");
            }

            current = next;
        }

        if (_documents > 1)
        {
            throw new ConfigException(
                string.Empty, $"invalid YAML at line {_secondRoot.Line}, column {_secondRoot.Column}: a bootstrap is one YAML document, found {_documents}");
        }

        if (_writeError is not null)
        {
            throw new ConfigException(string.Empty, _writeError);
        }

        if (_documents == 0)
        {
            _writer.WriteStartObject();
            _writer.WriteEndObject();
        }
    }

    private ParsingEvent? Next() => _parser.MoveNext() ? _parser.Current : null;

    private ref Frame Top => ref _frames[_depth - 1];

    private bool InKeyPosition => _depth > 0 && Top.IsMapping && Top.ExpectKey;

    private bool InReplayedKeyPosition => _depth > 0 && Top.Replayed && Top.IsMapping && Top.ExpectKey;

    private void Handle(ParsingEvent e)
    {
        switch (e)
        {
            case Scalar scalar:
                OnScalar(scalar);
                break;
            case MappingStart or SequenceStart:
                OnContainerStart((NodeEvent)e);
                break;
            case MappingEnd or SequenceEnd:
                OnContainerEnd(e);
                break;
            case AnchorAlias alias:
                OnAlias(alias);
                break;
            case DocumentStart:
                OnDocumentStart();
                break;
            case DocumentEnd:
                OnDocumentEnd();
                break;
        }
    }

    private void OnDocumentStart()
    {
        _documents++;
        _anchors.Clear();
        _tape.Clear();
        _keys.Clear();
        _unresolved.Clear();
        _recording = 0;
        _atRoot = true;
        _writing = _documents == 1;
    }

    private void OnDocumentEnd()
    {
        _writing = false;
        if (_unresolved.Count == 0)
        {
            return;
        }

        foreach (var alias in _unresolved)
        {
            if (!_anchors.ContainsKey(alias.Value))
            {
                // The representation model's placeholder for an alias has no position: it reports the start of the text.
                throw new YamlException(Mark.Empty, Mark.Empty, $"The anchor '{alias.Value.Value}' does not exists");
            }
        }

        // The representation model resolved an alias to an anchor further down; YAML (and yaml-cpp) forbid it.
        if (_documents == 1 && _writeError is null)
        {
            var first = _unresolved[0];
            _writeError = $"invalid YAML at line {first.Start.Line}, column {first.Start.Column}: alias *{first.Value.Value} comes before its anchor; define the anchor first";
        }
    }

    private void OnScalar(Scalar scalar)
    {
        EnterNode(scalar);
        if (!scalar.Anchor.IsEmpty)
        {
            _anchors[scalar.Anchor] = new Anchor(scalar);
        }

        Record(scalar, null);
        if (InKeyPosition)
        {
            Key(scalar);
            return;
        }

        if (CheckDepth(scalar.Start))
        {
            YamlScalarWriter.Write(_writer, scalar.Value, scalar.Style, scalar.Tag);
        }

        CompleteValue();
    }

    private void OnContainerStart(NodeEvent start)
    {
        EnterNode(start);
        Anchor? anchor = null;
        if (!start.Anchor.IsEmpty)
        {
            anchor = new Anchor(start, _tape.Count, recorded: _writing);
            _anchors[start.Anchor] = anchor;
            if (_writing)
            {
                _recording++;
            }
        }

        Record(start, null);
        var isMapping = start is MappingStart;
        var isKey = InKeyPosition;
        if (isKey)
        {
            Top.ExpectKey = false;
            Top.KeyStart = start.Start;
            NonScalarKey(start.Start);
        }
        else if (CheckDepth(start.Start))
        {
            WriteStart(isMapping);
        }

        Push(isMapping, isKey, replayed: false, anchor);
    }

    private void OnContainerEnd(ParsingEvent end)
    {
        Record(end, null);
        ref var frame = ref Top;
        if (_writing)
        {
            WriteEnd(frame.IsMapping);
        }

        if (frame.Anchor is { } anchor)
        {
            anchor.TapeEnd = _tape.Count;
            if (anchor.Recorded)
            {
                _recording--;
            }
        }

        if (frame.Unresolved is { } unresolved)
        {
            // Checked at the end of the document, containers in the order they closed, as the representation model does.
            _unresolved.AddRange(unresolved);
        }

        _keys.RemoveRange(frame.KeysStart, _keys.Count - frame.KeysStart);
        var wasKey = frame.IsKey;
        frame = default;
        _depth--;
        if (!wasKey)
        {
            CompleteValue();
        }
    }

    private void OnAlias(AnchorAlias alias)
    {
        if (_atRoot)
        {
            throw new YamlException("A document cannot contain only an alias");
        }

        _anchors.TryGetValue(alias.Value, out var target);
        Record(alias, target);
        var isKey = InKeyPosition;
        if (isKey)
        {
            Top.ExpectKey = false;
            Top.KeyStart = alias.Start;
        }

        if (target is null)
        {
            // Resolved (or reported) at the end of the document; the output is lost either way.
            (Top.Unresolved ??= []).Add(alias);
            _writing = false;
            if (!isKey)
            {
                CompleteValue();
            }

            return;
        }

        if (isKey)
        {
            AliasKey(target, live: true);
            return;
        }

        _expanding = alias.Start;
        AliasValue(target);
        CompleteValue();
    }

    private void EnterNode(NodeEvent node)
    {
        if (_atRoot)
        {
            _atRoot = false;
            if (_documents == 2)
            {
                _secondRoot = node.Start;
            }
        }
    }

    private void Key(Scalar key)
    {
        ref var top = ref Top;
        top.ExpectKey = false;
        top.HasKey = true;
        top.KeyTag = key.Tag;
        top.KeyValue = key.Value;
        top.KeyStart = key.Start;
        top.KeyEnd = key.End;
        if (_writing)
        {
            _writer.WritePropertyName(key.Value);
        }
    }

    // An alias used as a key is its node: a scalar keys by its text (and counts for duplicates), anything else is an error.
    private void AliasKey(Anchor target, bool live)
    {
        if (target.Scalar is not { } scalar)
        {
            NonScalarKey(target.Start);
        }
        else if (live)
        {
            Key(scalar);
        }
        else if (_writing)
        {
            _writer.WritePropertyName(scalar.Value);
        }
    }

    private void AliasValue(Anchor target)
    {
        if (!_writing)
        {
            return;
        }

        if (target.Scalar is { } scalar)
        {
            if (CountAliasNode() && CheckDepth(scalar.Start))
            {
                YamlScalarWriter.Write(_writer, scalar.Value, scalar.Style, scalar.Tag);
            }

            return;
        }

        var baseDepth = _depth;
        if (target.TapeEnd >= 0)
        {
            Replay(target.TapeStart, target.TapeEnd);
        }
        else
        {
            // An alias inside its own anchored node: the tree is cyclic and writing it recurses until too deep.
            // Replaying the node's events up to this alias, again and again, one level further in each time,
            // finds the node the representation model would have stopped at.
            Debug.Assert(target.Recorded, "a node started while writing is recorded");
            var end = _tape.Count - 1;
            for (var pass = 0; _writing && pass <= MaxDepth + 1; pass++)
            {
                Replay(target.TapeStart, end);
            }

            if (_writing)
            {
                SetWriteError(target.Start, $"nested deeper than {MaxDepth} levels");
            }
        }

        // Replays that stop at an error leave containers open; the live walk goes on from its own.
        while (_depth > baseDepth)
        {
            _frames[--_depth] = default;
        }
    }

    private void Replay(int start, int end)
    {
        for (var i = start; i < end && _writing; i++)
        {
            var (e, target) = _tape[i];
            switch (e)
            {
                case Scalar scalar:
                    if (!CountAliasNode())
                    {
                        return;
                    }

                    if (InReplayedKeyPosition)
                    {
                        Top.ExpectKey = false;
                        _writer.WritePropertyName(scalar.Value);
                    }
                    else
                    {
                        if (CheckDepth(scalar.Start))
                        {
                            YamlScalarWriter.Write(_writer, scalar.Value, scalar.Style, scalar.Tag);
                        }

                        CompleteReplayedValue();
                    }

                    break;
                case MappingStart or SequenceStart:
                    var node = (NodeEvent)e;
                    if (!CountAliasNode())
                    {
                        return;
                    }

                    if (InReplayedKeyPosition)
                    {
                        NonScalarKey(node.Start);
                        return;
                    }

                    if (!CheckDepth(node.Start))
                    {
                        return;
                    }

                    var isMapping = e is MappingStart;
                    WriteStart(isMapping);
                    Push(isMapping, isKey: false, replayed: true, anchor: null);
                    break;
                case MappingEnd or SequenceEnd:
                    WriteEnd(Top.IsMapping);
                    _frames[--_depth] = default;
                    CompleteReplayedValue();
                    break;
                case AnchorAlias:
                    Debug.Assert(target is not null, "aliases are recorded resolved");
                    if (!CountAliasNode())
                    {
                        return;
                    }

                    if (InReplayedKeyPosition)
                    {
                        Top.ExpectKey = false;
                        AliasKey(target, live: false);
                    }
                    else
                    {
                        AliasValue(target);
                        CompleteReplayedValue();
                    }

                    break;
            }
        }
    }

    private void CompleteValue()
    {
        if (_depth == 0)
        {
            return;
        }

        ref var top = ref Top;
        if (!top.IsMapping)
        {
            return;
        }

        if (top.HasKey)
        {
            top.HasKey = false;
            AddKey(ref top);
        }

        top.ExpectKey = true;
    }

    // The end of a replayed node moves its replayed parent on; a live parent is moved on by the live walk.
    private void CompleteReplayedValue()
    {
        if (_depth > 0 && Top.Replayed && Top.IsMapping)
        {
            Top.ExpectKey = true;
        }
    }

    // Keys are equal when tag and text are (a quoted "a" and a plain a are the same key, a !!str a is another).
    private void AddKey(ref Frame frame)
    {
        (TagName Tag, string Value) key = (frame.KeyTag, frame.KeyValue!);
        if (frame.KeySet is { } set)
        {
            if (!set.Add(key))
            {
                throw Duplicate(ref frame);
            }

            return;
        }

        for (var i = frame.KeysStart; i < _keys.Count; i++)
        {
            if (string.Equals(_keys[i].Value, key.Value, StringComparison.Ordinal) && _keys[i].Tag.Equals(key.Tag))
            {
                throw Duplicate(ref frame);
            }
        }

        _keys.Add(key);
        if (_keys.Count - frame.KeysStart > KeysBeforeHashing)
        {
            frame.KeySet = [];
            for (var i = frame.KeysStart; i < _keys.Count; i++)
            {
                frame.KeySet.Add(_keys[i]);
            }
        }
    }

    private static YamlException Duplicate(ref Frame frame) =>
        new(frame.KeyStart, frame.KeyEnd, $"Duplicate key {frame.KeyValue}");

    private void Record(ParsingEvent e, Anchor? target)
    {
        if (_writing && _recording > 0)
        {
            _tape.Add(new TapeEntry(e, target));
        }
    }

    private void Push(bool isMapping, bool isKey, bool replayed, Anchor? anchor)
    {
        if (_depth == _frames.Length)
        {
            Array.Resize(ref _frames, _frames.Length * 2);
        }

        _frames[_depth++] = new Frame
        {
            IsMapping = isMapping,
            IsKey = isKey,
            Replayed = replayed,
            ExpectKey = isMapping,
            KeysStart = _keys.Count,
            Anchor = anchor,
        };
    }

    private void WriteStart(bool isMapping)
    {
        if (isMapping)
        {
            _writer.WriteStartObject();
        }
        else
        {
            _writer.WriteStartArray();
        }
    }

    private void WriteEnd(bool isMapping)
    {
        if (isMapping)
        {
            _writer.WriteEndObject();
        }
        else
        {
            _writer.WriteEndArray();
        }
    }

    private bool CheckDepth(Mark start)
    {
        if (!_writing)
        {
            return false;
        }

        if (_depth <= MaxDepth)
        {
            return true;
        }

        SetWriteError(start, $"nested deeper than {MaxDepth} levels");
        return false;
    }

    private bool CountAliasNode()
    {
        if (++_aliasNodes <= MaxAliasNodes)
        {
            return true;
        }

        SetWriteError(_expanding, $"aliases expand to more than {MaxAliasNodes} nodes");
        return false;
    }

    private void NonScalarKey(Mark start) => SetWriteError(start, "mapping keys must be plain strings");

    // Only the first problem writing document 0 counts, as in a tree walk that stops at it.
    private void SetWriteError(Mark at, string problem)
    {
        if (_writing)
        {
            _writeError = $"invalid YAML at line {at.Line}, column {at.Column}: {problem}";
            _writing = false;
        }
    }

    /// <summary>An anchored node: a scalar is kept as its event; a container as a range of the tape.</summary>
    private sealed class Anchor
    {
        public Anchor(Scalar scalar)
        {
            Scalar = scalar;
            Start = scalar.Start;
        }

        public Anchor(NodeEvent start, int tapeStart, bool recorded)
        {
            Start = start.Start;
            TapeStart = tapeStart;
            Recorded = recorded;
        }

        public Scalar? Scalar { get; }

        public Mark Start { get; }

        public int TapeStart { get; }

        /// <summary>One past the container's last event on the tape; -1 while it is open.</summary>
        public int TapeEnd { get; set; } = -1;

        /// <summary>Whether its events are on the tape (it started while document 0 was being written).</summary>
        public bool Recorded { get; }
    }

    /// <summary>A recorded event; an alias carries the anchor it resolved to when it was read.</summary>
    private readonly record struct TapeEntry(ParsingEvent Event, Anchor? Target);

    private struct Frame
    {
        public bool IsMapping;
        public bool IsKey;
        public bool Replayed;
        public bool ExpectKey;
        public bool HasKey;
        public TagName KeyTag;
        public string? KeyValue;
        public Mark KeyStart;
        public Mark KeyEnd;
        public int KeysStart;
        public HashSet<(TagName Tag, string Value)>? KeySet;
        public Anchor? Anchor;
        public List<AnchorAlias>? Unresolved;
    }
}

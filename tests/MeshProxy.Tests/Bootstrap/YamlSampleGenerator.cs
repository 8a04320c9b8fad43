using System.Text;

namespace MeshProxy.Tests.Bootstrap;

/// <summary>
/// Random YAML streams for comparing converters: block and flow collections, anchors and aliases, every scalar
/// rule, duplicate and non-scalar keys, several documents, deep nesting, large mappings; <see cref="Mutate"/> breaks
/// one in a random place. Either aliases may point into open nodes (<see cref="Cycles"/>: cyclic trees) or keys
/// may be aliases and collections, never both: the representation model hashes keys, and hashing a cyclic node
/// overflows the stack (the reason the converter no longer uses it).
/// </summary>
internal sealed class YamlSampleGenerator
{
    private static readonly string[] Scalars =
    [
        "a", "b", "c", "1", "0x1F", "-2", "+3", "1.5", "1e3", "true", "no", "~", "null", "", ".inf", "-.Inf", ".nan",
        "9007199254740993", "18446744073709551616", "'q'", "\"a\"", "\"1\"", "!!str 5", "! 7", "!!int 8", "x y", "<<",
        "\"é\"", "'<&>'",
    ];

    private static readonly string[] ScalarKeys = ["a", "b", "c", "'a'", "\"b\"", "!!str a", "k1", "k2", "1", "true"];

    private static readonly string[] Breakers = ["[", "]", "{", "}", ":", "-", "'", "\"", "\n", " ", "&", "*", "!", ",", "?", "---\n"];

    private readonly Random _random;
    private readonly List<string> _anchors = [];
    private readonly List<string> _closed = [];
    private int _unique;

    public YamlSampleGenerator(Random random)
    {
        _random = random;
        Cycles = random.Next(2) == 0;
    }

    public bool Cycles { get; }

    public string Document()
    {
        var text = new StringBuilder();
        var documents = _random.Next(10) switch { 0 => 0, 1 => 2, 2 => 3, _ => 1 };
        for (var d = 0; d < documents; d++)
        {
            _anchors.Clear();
            _closed.Clear();
            if (d > 0 || _random.Next(3) == 0)
            {
                text.Append("---\n");
            }

            text.Append(_random.Next(2) == 0 ? BlockMapping(0, 0) : Flow(0)).Append('\n');
        }

        if (documents == 0 && _random.Next(2) == 0)
        {
            text.Append("# comment\n");
        }

        return text.ToString();
    }

    public static string Mutate(Random random, string yaml)
    {
        if (yaml.Length == 0)
        {
            return "]";
        }

        var at = random.Next(yaml.Length);
        return random.Next(3) switch
        {
            0 => yaml.Remove(at, 1),
            1 => yaml.Insert(at, Breakers[random.Next(Breakers.Length)]),
            _ => string.Concat(yaml.AsSpan(0, at), "\n", new string(' ', random.Next(4)), yaml.AsSpan(at)),
        };
    }

    // Without cycles anchor names are unique, so an anchor that has closed stays closed.
    private string Anchor()
    {
        if (_random.Next(5) != 0)
        {
            return string.Empty;
        }

        var name = Cycles ? "a" + _random.Next(4) : "u" + _unique++;
        _anchors.Add(name);
        return "&" + name + " ";
    }

    private void Closed(string anchor)
    {
        if (anchor.Length > 0)
        {
            _closed.Add(anchor[1..^1]);
        }
    }

    private string Alias()
    {
        if (Cycles)
        {
            return "*" + (_anchors.Count > 0 && _random.Next(6) != 0 ? _anchors[_random.Next(_anchors.Count)] : "a" + _random.Next(5));
        }

        return "*" + (_closed.Count > 0 && _random.Next(8) != 0 ? _closed[_random.Next(_closed.Count)] : "zz" + _random.Next(3));
    }

    private string Scalar()
    {
        if (_random.Next(12) == 0)
        {
            return Alias();
        }

        var anchor = Anchor();
        Closed(anchor);
        return anchor + Scalars[_random.Next(Scalars.Length)];
    }

    private string Key()
    {
        var kind = Cycles ? 3 + _random.Next(27) : _random.Next(30);
        return kind switch
        {
            0 => "[" + Scalars[_random.Next(Scalars.Length)] + "]",
            1 => "{k: " + Scalars[_random.Next(Scalars.Length)] + "}",
            2 when _closed.Count > 0 => "*" + _closed[_random.Next(_closed.Count)] + " ",
            _ => Anchor() + ScalarKeys[_random.Next(ScalarKeys.Length)],
        };
    }

    private string Flow(int depth)
    {
        if (depth < 3 && _random.Next(40) == 0)
        {
            return Deep();
        }

        if (depth < 3 && _random.Next(30) == 0)
        {
            return LargeMapping(depth);
        }

        if (depth > 4 || _random.Next(3) == 0)
        {
            return Scalar();
        }

        var anchor = Anchor();
        string text;
        if (_random.Next(2) == 0)
        {
            var items = Enumerable.Range(0, _random.Next(4)).Select(_ => Flow(depth + 1)).ToList();
            text = anchor + "[" + string.Join(", ", items) + "]";
        }
        else
        {
            var entries = Enumerable.Range(0, _random.Next(4)).Select(_ => Key() + ": " + Flow(depth + 1)).ToList();
            text = anchor + "{" + string.Join(", ", entries) + "}";
        }

        Closed(anchor);
        return text;
    }

    private string BlockMapping(int indent, int depth)
    {
        var pad = new string(' ', indent);
        var text = new StringBuilder();
        var entries = 1 + _random.Next(4);
        for (var i = 0; i < entries; i++)
        {
            text.Append(i == 0 ? string.Empty : pad).Append(Key()).Append(':');
            var shape = _random.Next(6);
            if (depth < 5 && shape == 0)
            {
                var anchor = Anchor();
                text.Append(' ').Append(anchor.TrimEnd()).Append('\n').Append(pad).Append("  ").Append(BlockMapping(indent + 2, depth + 1));
                Closed(anchor);
            }
            else if (depth < 5 && shape == 1)
            {
                text.Append('\n');
                for (var j = 0; j < 1 + _random.Next(3); j++)
                {
                    text.Append(pad).Append("- ").Append(Flow(depth + 1)).Append('\n');
                }

                continue;
            }
            else
            {
                text.Append(' ').Append(Flow(depth + 1));
            }

            text.Append('\n');
        }

        return text.ToString().TrimEnd('\n');
    }

    // 100 to 139 levels of flow collections around one scalar, a few of them anchored.
    private string Deep()
    {
        var levels = 100 + _random.Next(40);
        var open = new StringBuilder();
        var close = new StringBuilder();
        var anchors = new List<string>();
        for (var i = 0; i < levels; i++)
        {
            if (_random.Next(30) == 0)
            {
                var anchor = Anchor();
                anchors.Add(anchor);
                open.Append(anchor);
            }

            var sequence = _random.Next(2) == 0;
            open.Append(sequence ? "[" : "{k: ");
            close.Insert(0, sequence ? ']' : '}');
        }

        var text = open.Append(Scalar()).Append(close).ToString();
        anchors.ForEach(Closed);
        return text;
    }

    // Ten to 40 keys, some repeated: past 16 keys duplicates are found by hashing.
    private string LargeMapping(int depth)
    {
        var count = 10 + _random.Next(30);
        var distinct = count + (_random.Next(3) * 20);
        var entries = Enumerable.Range(0, count)
            .Select(i => "k" + (_random.Next(4) == 0 ? _random.Next(distinct) : i) + ": " + Flow(depth + 3))
            .ToList();
        return "{" + string.Join(", ", entries) + "}";
    }
}

using System;
using System.IO;
using System.Threading;
using Google.Protobuf;

namespace Envoy;

/// <summary>
/// What a generated message's <c>ToString</c> returns. protoc writes <c>JsonFormatter.ToDiagnosticString(this)</c>
/// there, which reads the message's descriptor; the build routes every generated <c>ToString</c> here instead
/// (EnvoyProtosRouteToString in EnvoyProtos.targets), so that nothing in a NativeAOT binary reaches Google.Protobuf's
/// descriptors. MeshProxy.Xds installs a formatter writing protobuf JSON from the embedded schema. Without one, or
/// when the message cannot be written as JSON, the text names the type and its encoded size.
/// </summary>
public static class ProtoText
{
    private static Func<IMessage, string> s_formatter;

    /// <summary>Sets the formatter every generated <c>ToString</c> uses (the last call wins).</summary>
    public static void SetFormatter(Func<IMessage, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        Volatile.Write(ref s_formatter, formatter);
    }

    /// <summary>The message as text; never throws for a message that serializes.</summary>
    public static string Format(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var formatter = Volatile.Read(ref s_formatter);
        if (formatter is null)
        {
            return Describe(message);
        }

        try
        {
            return formatter(message);
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException)
        {
            // ToString is for logs and debuggers: a value protobuf JSON cannot represent (a Duration out of range)
            // still gets a line.
            return Describe(message) + ": " + e.Message;
        }
    }

    private static string Describe(IMessage message) => message.GetType().FullName + " (" + message.CalculateSize() + " bytes)";
}

using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace MeshProxy.Xds.Client;

/// <summary>Builds the gRPC channel for a <see cref="XdsServerTarget"/>: h2c over TCP or a Unix socket, or TLS.</summary>
internal static class XdsChannelFactory
{
    public static GrpcChannel Create(XdsClientOptions options)
    {
        var target = options.Target;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            EnableMultipleHttp2Connections = false,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };

        try
        {
            switch (target.Kind)
            {
                case XdsTransportKind.UnixSocket:
                    var endPoint = new UnixDomainSocketEndPoint(target.SocketPath!);
                    handler.ConnectCallback = async (_, ct) =>
                    {
                        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                        try
                        {
                            await socket.ConnectAsync(endPoint, ct).ConfigureAwait(false);
                            return new NetworkStream(socket, ownsSocket: true);
                        }
                        catch
                        {
                            socket.Dispose();
                            throw;
                        }
                    };
                    break;
                case XdsTransportKind.Tls:
                    handler.SslOptions = CreateSslOptions(target);
                    break;
            }

            return GrpcChannel.ForAddress(target.ChannelAddress, new GrpcChannelOptions
            {
                HttpHandler = handler,
                DisposeHttpClient = true,
                MaxReceiveMessageSize = options.MaxReceiveMessageBytes,
                MaxSendMessageSize = null,
            });
        }
        catch
        {
            handler.Dispose();
            throw;
        }
    }

    private static SslClientAuthenticationOptions CreateSslOptions(XdsServerTarget target)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            TargetHost = target.ServerName ?? target.Host,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
        };

        if (target.CaCertificatePath is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(target.CaCertificatePath);
            if (roots.Count == 0)
            {
                throw new InvalidOperationException($"xDS CA file '{target.CaCertificatePath}' holds no certificate");
            }

            ssl.RemoteCertificateValidationCallback = (_, certificate, presented, errors) => ValidateAgainst(roots, certificate, presented, errors);
        }

        if (target.ClientCertificatePath is not null)
        {
            var pem = X509Certificate2.CreateFromPemFile(target.ClientCertificatePath, target.ClientKeyPath);
            ssl.ClientCertificates = [pem];
        }

        return ssl;
    }

    /// <summary>
    /// Trust exactly the configured CA: chain to it alone (not the system roots), and still require the name to match.
    /// </summary>
    internal static bool ValidateAgainst(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            // Intermediates the server sent in the handshake; only the configured roots are trusted.
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}

using System.Net.Security;

namespace Traktor.Ecs.Net;

/// <summary>
/// How a <see cref="WebSocketClientTransport"/> reaches a server's WebSocket endpoint. <c>CreateClient</c> keeps a copy:
/// changing this object afterwards does not change the transport.
/// </summary>
public sealed class WebSocketConnectOptions
{
    /// <summary>The request path of the server's endpoint (default "/traktor", as <c>WebSocketServerTransport</c> listens).</summary>
    public string Path { get; set; } = "/traktor";

    /// <summary>Connect with <c>wss://</c> (TLS) instead of <c>ws://</c>: set it when the server has a certificate.</summary>
    public bool UseTls { get; set; }

    /// <summary>
    /// The host name the server's certificate is issued for (sent as SNI and the Host header, and checked against
    /// the certificate). The connection still goes to the IP address in the connect token. Null: the IP address.
    /// A host name or IP literal alone: no scheme, port or path (<c>CreateClient</c> refuses "game.example:443").
    /// </summary>
    public string? TlsHostName { get; set; }

    /// <summary>Replaces the default certificate validation (for a test or a private certificate authority); null keeps the system's.</summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidation { get; set; }

    /// <summary>
    /// The copy a transport keeps (then validates): changing the caller's object after <c>CreateClient</c> has no effect,
    /// so the settings it checked are the ones it connects with. Strings and a delegate are immutable, so a shallow copy
    /// is whole.
    /// </summary>
    internal WebSocketConnectOptions Snapshot() => (WebSocketConnectOptions)MemberwiseClone();

    internal void Validate()
    {
        if (string.IsNullOrEmpty(Path) || Path[0] != '/') throw new ArgumentException("The path starts with '/'.", nameof(Path));
        if (TlsHostName is not null && Uri.CheckHostName(TlsHostName) == UriHostNameType.Unknown)
        {
            throw new ArgumentException($"'{TlsHostName}' is not a host name: name the host alone (\"game.example\"), without a scheme, port or path.",
                nameof(TlsHostName));
        }
    }
}

using System.Net;
using System.Net.Security;
using System.Net.Sockets;

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

    /// <summary>
    /// The URI a connection to <paramref name="remote"/> requests (its host the TLS host name, when set). It cannot fail
    /// for options that passed <see cref="Validate"/>: the host is an IP address or a name <see cref="Uri.CheckHostName"/>
    /// knows, and a path that starts with '/' can only be the rest of the URI (path, query, fragment), which
    /// <see cref="Uri"/> escapes whatever it holds (WebSocketConnectFailureTests tries arbitrary ones).
    /// </summary>
    internal Uri UriFor(IPEndPoint remote)
    {
        string host = TlsHostName is { } name
            ? (Uri.CheckHostName(name) == UriHostNameType.IPv6 && name[0] != '[' ? $"[{name}]" : name) // "::1" is written "[::1]" in a URI
            : remote.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{remote.Address}]" : remote.Address.ToString();
        return new Uri($"{(UseTls ? "wss" : "ws")}://{host}:{remote.Port}{Path}");
    }

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

using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>Client settings.</summary>
public sealed class NetClientOptions : NetPeerOptions
{
    /// <summary>How often handshake packets are repeated until the server answers.</summary>
    public TimeSpan HandshakeResendInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long one server address is tried before the next one in the token.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

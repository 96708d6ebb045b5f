using System.Net;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// The game server(s) a session runs on and the key they share, so joining can issue connect tokens that
/// only those servers accept.
/// </summary>
public sealed record SessionHost
{
    /// <summary>The game servers' public addresses (1 to 8), tried in order by the client.</summary>
    public required IReadOnlyList<IPEndPoint> ServerAddresses { get; init; }

    /// <summary>The 32-byte key the game servers use for connect tokens (<see cref="NetServerOptions.PrivateKey"/>).</summary>
    public required byte[] ServerKey { get; init; }

    /// <summary>The game's protocol id (<see cref="NetPeerOptions.ProtocolId"/>).</summary>
    public required ulong ProtocolId { get; init; }

    /// <summary>How long a connect token can be used. Default 1 minute.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Seconds of silence after which a connection is dropped. Default 10.</summary>
    public int TimeoutSeconds { get; init; } = 10;
}

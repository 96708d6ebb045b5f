using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Where a session's own connection approval goes, for the server endpoint its world runs on: a <see cref="NetServer"/>
/// (a dedicated server of one session, a player's listen server behind its host's loopback) or a routed
/// <see cref="SessionEndpoint"/> (one session of a fleet's game server). A <see cref="SessionRelay"/> adds its approval
/// here itself, so the game does not pass it as <see cref="NetServerOptions.ApproveConnection"/>: that would need the
/// relay before the server the relay is built on exists, and a server that forgot it would admit every holder of a valid token.
/// </summary>
internal static class EndpointApprovals
{
    /// <summary>Adds <paramref name="approve"/> to the server behind <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">The session world's server endpoint.</param>
    /// <param name="approve">The session's approval.</param>
    /// <returns>The handle that removes it, or null for an endpoint of another kind (a test's, a fuzzer's), which has no approvals.</returns>
    public static IDisposable? TryAdd(IServerEndpoint endpoint, ConnectionRefusal approve) => endpoint switch
    {
        NetServer server => server.AddRefusal(approve),
        SessionEndpoint session => session.AddRefusal(approve),
        LoopbackEndpoint loopback => TryAdd(loopback.Inner, approve),
        _ => null,
    };
}

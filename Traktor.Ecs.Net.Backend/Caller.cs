using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Backend;

/// <summary>Who made a request: a game server (server key) or a player (bearer access token).</summary>
/// <param name="IsServer">True for a trusted game server.</param>
/// <param name="UserId">The player's id, or 0 for a server.</param>
internal sealed record Caller(bool IsServer, long UserId)
{
    public static readonly Caller Server = new(true, 0);

    /// <summary>Trusted writes (definitions, authoritative boards, server-only achievements, revocation).</summary>
    public void RequireServer(string what)
    {
        if (!IsServer)
        {
            throw new OnlineException(OnlineError.Forbidden, $"{what} needs a server key.");
        }
    }

    /// <summary>A player may act only on their own data; a server on anyone's.</summary>
    public void RequireSelfOrServer(long userId)
    {
        if (!IsServer && UserId != userId)
        {
            throw new OnlineException(OnlineError.Forbidden, "A player may act only on their own data.");
        }
    }
}

using System.Net;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>How a player that joined a session reaches its game server.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="ConnectToken">Pass to <see cref="NetClient.Connect(ReadOnlySpan{byte})"/>; it carries the player id and the session id.</param>
/// <param name="ServerAddresses">The game servers the token is valid for (also inside the token).</param>
/// <param name="ExpiresAt">The token's expiry.</param>
public sealed record SessionConnectInfo(SessionId SessionId, byte[] ConnectToken, IReadOnlyList<IPEndPoint> ServerAddresses, DateTimeOffset ExpiresAt);

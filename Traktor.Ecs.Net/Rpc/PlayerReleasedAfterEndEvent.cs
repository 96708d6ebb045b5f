using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>
/// A remote player of a session that ended on this player's host left its server: the argument of
/// <see cref="NetworkServer.PlayerReleasedAfterEnd"/> (and of <see cref="Multiplayer.PlayerReleasedAfterEnd"/>,
/// <see cref="MigratingPeer.PlayerReleasedAfterEnd"/>), and (with an <see cref="RpcServer"/>) an event entity that lives for
/// the tick it appears in. Raised instead of <see cref="NetworkServer.ClientDisconnected"/> and
/// <see cref="ClientDisconnectedEvent"/>, which an ended host holds back (a handler that destroys a leaving player's entities
/// would empty the end screen): a game that shows "bob has seen the result" reads this one. Nothing to clean up: the
/// player's entities stay in the host's final world.
/// </summary>
/// <param name="Connection">Its (now closed) connection.</param>
/// <param name="ClientId">Its identity (the connect token's client id: the player's user id in a session).</param>
/// <param name="Reason">
/// Why its connection closed: <see cref="DisconnectReason.SessionEnded"/> when the host let it go (it holds the final world,
/// or the delivery's wait ran out); another reason when it went first (<see cref="DisconnectReason.ClientDisconnected"/>: it
/// left; <see cref="DisconnectReason.TimedOut"/>: its link was lost).
/// </param>
/// <param name="HeldFinalWorld">
/// True when, as its connection closed, it had acknowledged the whole final world (every entity of the end's tick it may see):
/// its end screen shows what the host's does. False when it was let go at the deadline or went before it held it.
/// </param>
public readonly record struct PlayerReleasedAfterEndEvent(ConnectionId Connection, ulong ClientId, DisconnectReason Reason, bool HeldFinalWorld);

using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>Why a connection ended or was refused; sent on the wire as one byte.</summary>
public enum DisconnectReason : byte
{
    /// <summary>No reason given.</summary>
    Unspecified = 0,
    /// <summary>The client chose to disconnect.</summary>
    ClientDisconnected = 1,
    /// <summary>The server is shutting down.</summary>
    ServerShutdown = 2,
    /// <summary>The server removed the client.</summary>
    Kicked = 3,
    /// <summary>
    /// Nothing was received for the timeout period: the link is lost. A player-hosted session's player migrates when its own
    /// end times out (<see cref="NetClient.LastDisconnectByServer"/> false); one its host sends it is a cut (the host is alive).
    /// </summary>
    TimedOut = 4,
    /// <summary>
    /// The peer could not keep up: the bounded send queue overflowed, or the peer, though it kept the connection alive, left
    /// a reliable message (or, on a server, the despawns it was sent) unacknowledged for the timeout. Not a lost link
    /// (<see cref="TimedOut"/>): a player-hosted session's player told this by its host does not migrate.
    /// </summary>
    SendQueueOverflow = 5,
    /// <summary>The server has no free slot.</summary>
    ServerFull = 6,
    /// <summary>Client and server protocol ids differ.</summary>
    ProtocolMismatch = 7,
    /// <summary>Client and server replicated-schema hashes differ.</summary>
    SchemaMismatch = 8,
    /// <summary>The connect token has expired.</summary>
    TokenExpired = 9,
    /// <summary>The connect token is malformed or not valid for this server.</summary>
    TokenInvalid = 10,
    /// <summary>The server's approval callback refused the client.</summary>
    Rejected = 11,
    /// <summary>The client id is already connected.</summary>
    AlreadyConnected = 12,
    /// <summary>No server answered the handshake in time.</summary>
    ConnectTimedOut = 13,
    /// <summary>The peer sent something it must not (for example an oversized message).</summary>
    ProtocolViolation = 14,
    /// <summary>Client and server share no cipher suite (<see cref="NetPeerOptions.CipherSuites"/>): nothing could be encrypted both ways.</summary>
    CipherMismatch = 15,
    /// <summary>
    /// The session this connection belonged to ended; the session directory says why (<see cref="Sessions.SessionInfo.EndReason"/>).
    /// The session is over: a player-hosted session does not migrate (compare <see cref="HostGaveWay"/>).
    /// </summary>
    SessionEnded = 16,
    /// <summary>
    /// The server reclaimed the slot of a connection that had sent no message for
    /// <see cref="NetServerOptions.ReclaimIdleAfter"/>, because a newcomer needed it.
    /// </summary>
    Idle = 17,
    /// <summary>
    /// The client's IP address or its subnet (/24 IPv4, /64 IPv6) already holds as many connections as the server
    /// allows (<see cref="NetServerOptions.MaxConnectionsPerAddress"/>, <see cref="NetServerOptions.MaxConnectionsPerSubnet"/>).
    /// </summary>
    AddressLimit = 18,
    /// <summary>The connect token already created a connection: tokens are single-use, get a fresh one.</summary>
    TokenUsed = 19,
    /// <summary>
    /// The host of a player-hosted session stopped hosting on purpose because another player hosts the session now (the
    /// directory records that player, or gave it the session): the session goes on. A <see cref="MigratingPeer"/> follows
    /// the host the session records instead of electing a successor (<see cref="MigrationOutReason.HostGaveWay"/>); the
    /// <see cref="Multiplayer"/> facade migrates to the directory's host. Its own reason, so players tell a handover from
    /// the session's end (<see cref="SessionEnded"/>) or the host's loss (<see cref="ServerShutdown"/>).
    /// </summary>
    HostGaveWay = 20,
    /// <summary>
    /// The player left the session itself (<see cref="Sessions.ISessions.LeaveSessionAsync(Sessions.SessionId, long, CancellationToken)"/>,
    /// from this or another device, or by joining another session) while this connection was still open: not a removal
    /// (<see cref="Kicked"/>).
    /// </summary>
    LeftSession = 21,
    /// <summary>
    /// The server speaks another version of the Traktor.Ecs.Net protocol (an older or newer build of the library): it
    /// answered the connection request with its version instead of a challenge (docs/PROTOCOL.md §3.7). Only a connection
    /// attempt ends so; update the game (or the server) so both run one version.
    /// </summary>
    ProtocolVersionMismatch = 22,
}

namespace Traktor.Ecs.Net;

/// <summary>
/// What a <see cref="DisconnectReason"/> means for the player and the developer: what went wrong and what to do, in one
/// or two sentences a game can log or show. <see cref="NetClient"/> logs a failed attempt with it (and, without a
/// logger, writes the first failure of each reason to the standard error), so a newcomer whose client cannot connect
/// reads why instead of a bare enum name.
/// </summary>
public static class DisconnectReasonExplanations
{
    /// <summary>Says what <paramref name="reason"/> means and what to do about it.</summary>
    /// <param name="reason">Why a connection (or a connection attempt) ended.</param>
    /// <returns>One or two sentences naming the settings involved; an unknown value is named as a number.</returns>
    public static string Explain(this DisconnectReason reason) => reason switch
    {
        DisconnectReason.Unspecified => "The connection ended without a reason.",
        DisconnectReason.ClientDisconnected => "The client disconnected (NetClient.Disconnect or Dispose).",
        DisconnectReason.ServerShutdown => "The server shut down: connect again once it is back, or to another server.",
        DisconnectReason.Kicked => "The server removed this client (NetServer.Disconnect).",
        DisconnectReason.TimedOut =>
            "Nothing arrived from the other end for the connection's timeout (NetPeerOptions.Timeout): the link was lost or the "
            + "peer stopped without saying so. Connect again; within the server's reconnect grace the player gets its entities back.",
        DisconnectReason.SendQueueOverflow =>
            "The other end could not keep up: its send queue overflowed (NetPeerOptions.MaxSendQueueBytes) or it left a reliable "
            + "message unacknowledged for the timeout. Send less per tick, or check that the other end keeps ticking.",
        DisconnectReason.ServerFull => "The server has no free slot (NetServerOptions.MaxClients): try again later or another server.",
        DisconnectReason.ProtocolMismatch =>
            "Client and server use different protocol ids: give NetClientOptions.ProtocolId, NetServerOptions.ProtocolId and the "
            + "token issuer's protocol id (ConnectTokenIssuer, SessionTokenOptions.ProtocolId) the same value.",
        DisconnectReason.SchemaMismatch =>
            "Client and server were built from different replicated definitions (their registries' ProtocolHash differ): build "
            + "both from the same [Replicated], [NetInput] and [Rpc] types and pass registry.ProtocolHash as SchemaHash on both ends.",
        DisconnectReason.TokenExpired =>
            "The connect token expired before the handshake finished: get a fresh one (log in or join the session again) and "
            + "connect at once; check that the issuer's and the game server's clocks agree (the client's own clock does not matter).",
        DisconnectReason.TokenInvalid =>
            "The connect token is not for this server: it names none of the server's addresses (NetServerOptions.PublicAddresses). "
            + "Have the issuer name the address players reach the server at (127.0.0.1:port on one machine, never [::]:port).",
        DisconnectReason.Rejected =>
            "The server's approval refused this client (NetServerOptions.ApproveConnection, or an attached approval such as a "
            + "SessionRelay, which admits only players seated in its session: join the session first and connect with its token).",
        DisconnectReason.AlreadyConnected =>
            "This client id (or another from the same address) is already connected to the server: disconnect that connection "
            + "first, or wait for the server to time it out.",
        DisconnectReason.ConnectTimedOut =>
            "No server answered within NetClientOptions.ConnectTimeout. Check that the server is running and listens at that "
            + "address and port (127.0.0.1:port on the same machine, not [::]:port), over the same transport (UDP, TCP or "
            + "WebSocket), in the same mode (a secure server, PrivateKey set, answers only NetClient.Connect(token) with a token "
            + "sealed with its key and protocol id; an insecure one, Insecure = true, only ConnectInsecure). A server ignores the "
            + "others without answering: NetServer.Counters (Malformed, InvalidTokens) count them. A server of another library "
            + "protocol version answers ProtocolVersionMismatch, except one older than TRKNET19, which stays silent too.",
        DisconnectReason.ProtocolViolation =>
            "The other end sent something it must not (an oversized or malformed message): a bug or a tampered peer; "
            + "NetServer.Counters.ProtocolViolations counts them.",
        DisconnectReason.CipherMismatch =>
            "Client and server share no cipher suite: allow a common one in NetPeerOptions.CipherSuites on both ends.",
        DisconnectReason.SessionEnded =>
            "The session this connection belonged to ended; the session directory says why (SessionInfo.EndReason).",
        DisconnectReason.Idle =>
            "The server reclaimed this connection's slot for a newcomer after NetServerOptions.ReclaimIdleAfter without a "
            + "message from it: keep ticking the client while connected, and connect again.",
        DisconnectReason.AddressLimit =>
            "This IP address or its subnet already holds as many connections as the server allows "
            + "(NetServerOptions.MaxConnectionsPerAddress, MaxConnectionsPerSubnet).",
        DisconnectReason.TokenUsed =>
            "The connect token already made a connection: tokens are single-use, so get a fresh one (join the session again).",
        DisconnectReason.HostGaveWay =>
            "The host stopped hosting because another player hosts the session now: the session goes on there.",
        DisconnectReason.LeftSession =>
            "The player left the session (from this or another device, or by joining another session).",
        DisconnectReason.ProtocolVersionMismatch =>
            "The server runs another version of Traktor.Ecs.Net (the log names both protocol versions): update the game, or "
            + "the server, so both speak one version.",
        _ => $"Disconnect reason {(int)reason}, unknown to this version of the library.",
    };
}

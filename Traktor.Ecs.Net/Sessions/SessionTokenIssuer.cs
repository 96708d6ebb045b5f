using System.Net;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>Issues the connect token of a session join: the player id as client id and a <see cref="SessionTicket"/> as user data.</summary>
public sealed class SessionTokenIssuer
{
    private readonly SessionTokenOptions options;
    private readonly ConnectTokenIssuer issuer;
    private readonly TimeProvider time;

    /// <summary>Creates the issuer.</summary>
    /// <param name="options">Key, protocol, lifetime and timeout.</param>
    /// <param name="time">The clock (token creation and expiry).</param>
    public SessionTokenIssuer(SessionTokenOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.time = time ?? TimeProvider.System;
        issuer = new ConnectTokenIssuer(options.ServerKey, options.ProtocolId, this.time);
    }

    /// <summary>The token settings.</summary>
    public SessionTokenOptions Options => options;

    /// <summary>Issues a token for <paramref name="userId"/> to join the session of <paramref name="ticket"/> on <paramref name="serverAddresses"/> (UDP).</summary>
    /// <param name="userId">The player (positive).</param>
    /// <param name="ticket">The session, grant time, capacity and name.</param>
    /// <param name="serverAddresses">The hosting game server's public UDP addresses (1 to 8).</param>
    /// <returns>The connect info.</returns>
    public SessionConnectInfo Issue(long userId, in SessionTicket ticket, IReadOnlyList<IPEndPoint> serverAddresses)
    {
        ArgumentNullException.ThrowIfNull(serverAddresses);
        var addresses = new NetAddress[serverAddresses.Count];
        for (int i = 0; i < addresses.Length; i++) addresses[i] = NetAddress.FromEndPoint(serverAddresses[i]);
        return Issue(userId, ticket, addresses);
    }

    /// <summary>Issues a token for <paramref name="userId"/> to join the session of <paramref name="ticket"/> on <paramref name="serverAddresses"/>.</summary>
    /// <param name="userId">The player (positive).</param>
    /// <param name="ticket">The session, grant time, capacity and name.</param>
    /// <param name="serverAddresses">The hosting game server's public addresses (1 to 8, of any transport kind), in the order a client tries them.</param>
    /// <returns>The connect info.</returns>
    public SessionConnectInfo Issue(long userId, in SessionTicket ticket, IReadOnlyList<NetAddress> serverAddresses)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        ArgumentNullException.ThrowIfNull(serverAddresses);
        Span<byte> userData = stackalloc byte[SessionTicket.MaxSize];
        int length = ticket.Write(userData);
        byte[] token = issuer.Issue((ulong)userId, userData[..length], options.TokenLifetime, serverAddresses, options.ConnectionTimeoutSeconds);
        return new SessionConnectInfo(ticket.SessionId, token, serverAddresses.ToArray(), time.GetUtcNow() + options.TokenLifetime);
    }
}

using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A <see cref="SessionEndpoint"/> closed because its session ended refuses a newcomer with
/// <see cref="DisconnectReason.SessionEnded"/>, as a session whose relay ended does; one closed for any other reason (its
/// server shutting down) keeps <see cref="DisconnectReason.Rejected"/>. Reached by a game that drives its
/// <see cref="SessionRouter"/> itself and hands back the endpoints it keeps (<see cref="SessionRouter.UnknownSession"/>),
/// without the <see cref="SessionRouter.EndedSession"/> a <c>GameServerHost</c> installs.
/// </summary>
public sealed class ClosedSessionEndpointTests
{
    private static byte[] Ticket(SessionId session, DateTimeOffset issuedAt)
    {
        var bytes = new byte[SessionTicket.MaxSize];
        int length = new SessionTicket(session, issuedAt, 4, "dave").Write(bytes);
        return bytes[..length];
    }

    /// <summary>Failed before: a closed endpoint refused everyone with <see cref="DisconnectReason.Rejected"/>, ended or not.</summary>
    [Fact]
    public void A_closed_endpoint_refuses_a_newcomer_with_session_ended_only_when_its_session_ended()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        using var router = new SessionRouter(new InMemoryNetwork().CreateTransport(), new NetServerOptions
        {
            ProtocolId = TransportHarness.ProtocolId,
            PrivateKey = ConnectTokenIssuer.GenerateServerKey(),
        }, time);
        var ended = router.Open(SessionId.New());
        var shutDown = router.Open(SessionId.New());
        var kept = new Dictionary<SessionId, SessionEndpoint> { [ended.Session] = ended, [shutDown.Session] = shutDown };
        router.UnknownSession = ticket => kept.GetValueOrDefault(ticket.SessionId); // the game's own book of its sessions
        Assert.Null(router.Server.Refusal(7, Ticket(ended.Session, time.GetUtcNow()), default));

        ended.Close(DisconnectReason.SessionEnded);
        shutDown.Close(DisconnectReason.ServerShutdown);

        Assert.Equal(DisconnectReason.SessionEnded, ended.Refusal(8, Ticket(ended.Session, time.GetUtcNow()), default));
        Assert.Equal(DisconnectReason.Rejected, shutDown.Refusal(8, Ticket(shutDown.Session, time.GetUtcNow()), default));
        // What the router's server answers a handshake naming each: the endpoint's own reason.
        Assert.Equal(DisconnectReason.SessionEnded, router.Server.Refusal(8, Ticket(ended.Session, time.GetUtcNow()), default));
        Assert.Equal(DisconnectReason.Rejected, router.Server.Refusal(9, Ticket(shutDown.Session, time.GetUtcNow()), default));
        Assert.Equal(DisconnectReason.Rejected, router.Server.Refusal(10, Ticket(SessionId.New(), time.GetUtcNow()), default));
    }

    /// <summary>Closing with the default reason is closing because the session ended.</summary>
    [Fact]
    public void Closing_with_the_default_reason_is_an_ended_session()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        using var router = new SessionRouter(new InMemoryNetwork().CreateTransport(), new NetServerOptions
        {
            ProtocolId = TransportHarness.ProtocolId,
            PrivateKey = ConnectTokenIssuer.GenerateServerKey(),
        }, time);
        var endpoint = router.Open(SessionId.New());
        endpoint.Close();
        endpoint.Close(DisconnectReason.ServerShutdown); // once closed, a later close changes nothing
        Assert.Equal(DisconnectReason.SessionEnded, endpoint.Refusal(7, Ticket(endpoint.Session, time.GetUtcNow()), default));
    }
}

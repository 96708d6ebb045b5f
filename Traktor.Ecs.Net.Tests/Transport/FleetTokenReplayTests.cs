using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// Two servers of one fleet open tokens with the same private key but each remembers only the tokens used on it, so a
/// token naming both can be replayed at the second one. As netcode.io reasons, the attacker who copies the request off
/// the wire still lacks the client-to-server key sealed inside the token: the second server answers a replayed request
/// with a stateless challenge smaller than the request (sealed under the server-to-client key, so unreadable too) and
/// keeps nothing; a replayed ChallengeResponse carries a cookie under the first server's secret, which the second does
/// not know, and creates nothing.
/// </summary>
public sealed class FleetTokenReplayTests
{
    private const ulong ProtocolId = 0x7E57;
    private static readonly NetAddress AddressA = NetAddress.Parse("198.51.100.1:4000");
    private static readonly NetAddress AddressB = NetAddress.Parse("198.51.100.2:4000");
    private static readonly NetAddress Victim = NetAddress.Parse("203.0.113.5:5000");
    private static readonly NetAddress Attacker = NetAddress.Parse("192.0.2.66:6000");

    [Fact]
    public void A_token_copied_off_the_wire_gets_the_attacker_no_slot_and_no_reply_larger_than_its_request_on_another_server_of_the_fleet()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        var network = new InMemoryNetwork();
        byte[] key = ConnectTokenIssuer.GenerateServerKey();
        NetServer Server(NetAddress address) => new(network.CreateTransport(address), new NetServerOptions
        {
            ProtocolId = ProtocolId, PrivateKey = key, PublicAddresses = [address],
        }, time, ownsTransport: true);
        using var a = Server(AddressA);
        using var b = Server(AddressB);
        var wire = new RecordingTransport(network.CreateTransport(Victim));
        using var victim = new NetClient(wire, new NetClientOptions { ProtocolId = ProtocolId }, time, ownsTransport: true);
        using var attacker = network.CreateTransport(Attacker);

        byte[] token = new ConnectTokenIssuer(key, ProtocolId, time).Issue(9, [], TimeSpan.FromMinutes(5), [AddressA, AddressB]);
        victim.Connect(token);
        for (int i = 0; i < 100 && victim.State != ClientState.Connected; i++) Step(time, victim, a, b);
        Assert.Equal(ClientState.Connected, victim.State);
        Assert.Equal(1, a.ConnectionCount);
        byte[] request = wire.Sent.First(d => d.Data[0] == (byte)PacketType.ConnectionRequest).Data;
        byte[] response = wire.Sent.First(d => d.Data[0] == (byte)PacketType.ChallengeResponse).Data;

        // The request replayed at B from the attacker's own address: one challenge each, smaller, and nothing kept.
        var buffer = new byte[4096];
        var replies = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            attacker.TrySend(request, AddressB);
            Step(time, victim, a, b);
            while (attacker.TryReceive(buffer, out int length, out _)) replies.Add(length);
        }
        Assert.Equal(3, replies.Count);
        Assert.All(replies, length => Assert.True(length < request.Length, $"{length} bytes answered {request.Length}"));
        Assert.Equal(0, b.ConnectionCount);

        // The victim's response replayed at B, from the victim's address (on-path) and from the attacker's: nothing.
        long invalid = b.Counters.InvalidResponses;
        network.Inject(response, Victim, AddressB);
        attacker.TrySend(response, AddressB);
        for (int i = 0; i < 5; i++) Step(time, victim, a, b);
        Assert.False(attacker.TryReceive(buffer, out _, out _));
        Assert.Equal(0, b.ConnectionCount);
        Assert.Equal(invalid + 2, b.Counters.InvalidResponses);
        Assert.False(b.TryPollEvent(out _));
        Assert.Equal(0L, b.Counters.TokensReused); // B spent nothing on the replays: no token is marked used there
    }

    private static void Step(FakeTimeProvider time, NetClient client, NetServer a, NetServer b)
    {
        time.Advance(TimeSpan.FromMilliseconds(16));
        client.Update();
        a.Update();
        b.Update();
        client.Update();
    }
}

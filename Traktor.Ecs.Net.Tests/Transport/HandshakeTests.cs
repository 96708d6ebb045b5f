using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Tests.Transport;

public class HandshakeTests
{
    private static NetClient Attempt(TransportHarness h, byte[] token, Action<NetClientOptions>? configure = null)
    {
        var client = h.AddClient(configure: configure);
        client.Connect(token);
        h.RunUntil(() => client.State is ClientState.Connected or ClientState.Disconnected, maxSteps: 600);
        return client;
    }

    [Fact]
    public void Protocol_mismatch_is_refused_with_the_reason_on_both_sides()
    {
        using var h = new TransportHarness();
        var client = Attempt(h, h.IssueToken(1), o => o.ProtocolId = TransportHarness.ProtocolId + 1);
        Assert.Equal(DisconnectReason.ProtocolMismatch, client.LastDisconnectReason);
        Assert.Equal(DisconnectReason.ProtocolMismatch, TransportHarness.DrainClient(client).Single().Reason);
        Assert.Equal(0, h.Server.ConnectionCount);
        Assert.Contains(h.ServerLog.Lines, l => l.Message.Contains("ProtocolMismatch"));
    }

    [Fact]
    public void Schema_mismatch_is_refused_with_the_reason_on_both_sides()
    {
        using var h = new TransportHarness();
        var client = Attempt(h, h.IssueToken(1), o => o.SchemaHash = 123);
        Assert.Equal(DisconnectReason.SchemaMismatch, client.LastDisconnectReason);
        Assert.Contains(h.ServerLog.Lines, l => l.Message.Contains("SchemaMismatch"));
    }

    [Fact]
    public void A_token_held_past_its_expiry_is_refused_by_the_server()
    {
        using var h = new TransportHarness();
        var token = h.IssueToken(1, lifetime: TimeSpan.FromSeconds(1));
        h.Time.Advance(TimeSpan.FromSeconds(2));
        var client = Attempt(h, token);
        Assert.Equal(DisconnectReason.TokenExpired, client.LastDisconnectReason);
        Assert.Equal(1, h.Server.Counters.Denied);
    }

    [Fact]
    public void A_client_whose_wall_clock_runs_ahead_of_the_issuer_still_connects()
    {
        // A player's device set minutes ahead: the token's expiry is already past on its wall clock, not on the server's.
        using var h = new TransportHarness();
        var token = h.IssueToken(1, lifetime: TimeSpan.FromSeconds(30));
        var clockAhead = new FakeTimeProvider(TransportHarness.Start + TimeSpan.FromMinutes(5));
        using var client = new NetClient(h.Network.CreateTransport(), new NetClientOptions { ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash }, clockAhead);
        client.Connect(token);
        for (int i = 0; i < 50 && client.State is not (ClientState.Connected or ClientState.Disconnected); i++)
        {
            clockAhead.Advance(TimeSpan.FromMilliseconds(16));
            client.Update();
            h.Step();
        }
        Assert.Equal(ClientState.Connected, client.State);
    }

    [Fact]
    public void A_client_gives_up_with_TokenExpired_once_the_token_lifetime_has_passed_since_it_began()
    {
        // The server never runs (no h.Step()), so nothing answers: the client stops once the token's lifetime (expires − created) has passed on its own clock,
        // before its connect timeouts would (one address, ChallengeTimeout raised above the lifetime).
        using var h = new TransportHarness();
        var token = h.IssueToken(1, lifetime: TimeSpan.FromSeconds(3));
        var clock = new FakeTimeProvider(TransportHarness.Start + TimeSpan.FromHours(1));
        using var client = new NetClient(h.Network.CreateTransport(), new NetClientOptions
        {
            ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash,
            ChallengeTimeout = TimeSpan.FromSeconds(10), ConnectTimeout = TimeSpan.FromSeconds(20),
        }, clock);
        client.Connect(token);
        int updates = 0;
        while (client.State != ClientState.Disconnected && updates < 1_000)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            client.Update();
            updates++;
        }
        Assert.Equal(DisconnectReason.TokenExpired, client.LastDisconnectReason);
        Assert.InRange(updates, 29, 31); // 3 s of 100 ms steps
    }

    [Fact]
    public void Expired_token_is_refused_by_the_server_when_the_client_clock_lags()
    {
        using var h = new TransportHarness();
        var token = h.IssueToken(1, lifetime: TimeSpan.FromSeconds(1));
        h.Time.Advance(TimeSpan.FromSeconds(5));
        var laggingClock = new FakeTimeProvider(TransportHarness.Start);
        using var client = new NetClient(h.Network.CreateTransport(), new NetClientOptions { ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash }, laggingClock);
        client.Connect(token);
        for (int i = 0; i < 20 && client.State != ClientState.Disconnected; i++)
        {
            laggingClock.Advance(TimeSpan.FromMilliseconds(16));
            client.Update();
            h.Step();
        }
        Assert.Equal(DisconnectReason.TokenExpired, client.LastDisconnectReason);
        Assert.Equal(1, h.Server.Counters.Denied);
    }

    [Theory]
    [InlineData(100)]   // inside the sealed private token
    [InlineData(24)]    // expiry, authenticated as associated data
    [InlineData(40)]    // nonce
    public void Tampered_token_gets_no_answer(int offset)
    {
        using var h = new TransportHarness();
        var token = h.IssueToken(1);
        token[offset] ^= 0x40;
        var client = Attempt(h, token, o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        Assert.Equal(DisconnectReason.ConnectTimedOut, client.LastDisconnectReason);
        Assert.True(h.Server.Counters.InvalidTokens > 0);
        Assert.Equal(0, h.Server.Counters.ChallengesSent);
    }

    [Fact]
    public void Token_from_another_server_key_gets_no_answer()
    {
        using var h = new TransportHarness();
        var other = new ConnectTokenIssuer(ConnectTokenIssuer.GenerateServerKey(), TransportHarness.ProtocolId, h.Time);
        var token = other.Issue(1, [], TimeSpan.FromMinutes(1), [h.ServerAddress.ToEndPoint()]);
        var client = Attempt(h, token, o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        Assert.Equal(DisconnectReason.ConnectTimedOut, client.LastDisconnectReason);
        Assert.True(h.Server.Counters.InvalidTokens > 0);
    }

    [Fact]
    public void Token_for_another_server_address_is_refused()
    {
        using var h = new TransportHarness(configure: o => o.PublicAddresses = [NetAddress.Parse("127.0.0.1:2")]);
        var token = h.Issuer.Issue(1, [], TimeSpan.FromMinutes(1), [h.ServerAddress.ToEndPoint(), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1)]);
        var client = Attempt(h, token);
        Assert.Equal(DisconnectReason.TokenInvalid, client.LastDisconnectReason);
    }

    [Fact]
    public void Full_server_refuses_with_ServerFull()
    {
        using var h = new TransportHarness(configure: o => o.MaxClients = 1);
        h.Connect(1);
        var second = Attempt(h, h.IssueToken(2));
        Assert.Equal(DisconnectReason.ServerFull, second.LastDisconnectReason);
        Assert.Equal(1, h.Server.ConnectionCount);
    }

    [Fact]
    public void Same_client_id_twice_is_refused()
    {
        using var h = new TransportHarness();
        h.Connect(7);
        var second = Attempt(h, h.IssueToken(7));
        Assert.Equal(DisconnectReason.AlreadyConnected, second.LastDisconnectReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Late_copies_of_a_clients_own_handshake_do_not_replace_its_connection(bool insecure)
    {
        // Before: an insecure handshake has no single-use token, so a late or duplicated copy of the client's own
        // InsecureResponse, arriving after it connected, completed "a new handshake from the same socket" and replaced the
        // connection (the Demo's host saw 9 pilots for 2 bots). Only a secure handshake, with a fresh token, may replace.
        var duplicating = new LinkConditions { LatencyMs = 20, JitterMs = 15, DuplicatePercent = 100, ReorderPercent = 20 };
        using var h = new TransportHarness(duplicating, o => o.Insecure = insecure);
        var client = h.Connect(7, duplicating);
        for (int i = 0; i < 120; i++) h.Step();

        Assert.Equal(ClientState.Connected, client.State);
        Assert.Equal(1, h.Server.ConnectionCount);
        Assert.Equal(0, h.Server.Counters.Replaced);
        var events = h.DrainServer().Where(e => e.Type is NetEventType.Connected or NetEventType.Disconnected).ToList();
        Assert.Equal([NetEventType.Connected], events.Select(e => e.Type));
    }

    [Fact]
    public void A_client_that_connects_again_from_the_same_socket_replaces_its_old_connection()
    {
        // Before: a new handshake from an address with a connection went to that connection and was dropped, so a client
        // that gave its connection up without a word that arrived (a peer whose follow attempt timed out after the host had
        // admitted it) could not connect again until the old connection timed out: its attempt failed with ConnectTimedOut.
        using var h = new TransportHarness();
        var client = h.Connect(7);
        h.DrainServer();
        h.ClientLinks[0].Conditions.LossPercent = 100;
        client.Disconnect(); // the notice is lost: the server still holds the connection
        h.Step();
        h.ClientLinks[0].Conditions.LossPercent = 0;
        Assert.Equal(1, h.Server.ConnectionCount);

        client.Connect(h.IssueToken(7));
        Assert.True(h.RunUntil(() => client.State is ClientState.Connected or ClientState.Disconnected, maxSteps: 600));
        Assert.Equal(ClientState.Connected, client.State);
        Assert.Equal(1, h.Server.ConnectionCount);
        Assert.Equal(1, h.Server.Counters.Replaced);
        var events = h.DrainServer().Where(e => e.Type is NetEventType.Connected or NetEventType.Disconnected).ToList();
        Assert.Equal([(NetEventType.Disconnected, DisconnectReason.ClientDisconnected, 7UL), (NetEventType.Connected, DisconnectReason.Unspecified, 7UL)],
            events.Select(e => (e.Type, e.Type == NetEventType.Disconnected ? e.Reason : DisconnectReason.Unspecified, e.ClientId)));
        Assert.NotEqual(events[0].Connection, events[1].Connection);

        // From another address the same client id is still refused: a token used elsewhere never cuts a playing client off.
        var impostor = Attempt(h, h.IssueToken(7));
        Assert.Equal(DisconnectReason.AlreadyConnected, impostor.LastDisconnectReason);
        Assert.Equal(ClientState.Connected, client.State);
    }

    [Fact]
    public void A_replaced_connection_sends_its_client_no_disconnect_notice()
    {
        // Before: the replaced connection was closed like any other and sent its three disconnect notices, sealed with keys
        // the client on that socket had given up with it; they reached that client and were dropped as packets it could not open.
        using var h = new TransportHarness();
        var client = h.Connect(7, record: true);
        h.ClientLinks[0].Conditions.LossPercent = 100;
        client.Disconnect(); // the notice is lost: the server still holds the connection
        h.Step();
        h.ClientLinks[0].Conditions.LossPercent = 0;
        h.ClientWires[0].Received.Clear();

        client.Connect(h.IssueToken(7));
        Assert.True(h.RunUntil(() => client.State is ClientState.Connected or ClientState.Disconnected, maxSteps: 600));
        for (int i = 0; i < 30; i++) h.Step();
        Assert.Equal(ClientState.Connected, client.State);
        Assert.Equal(1, h.Server.Counters.Replaced);
        Assert.DoesNotContain(h.ClientWires[0].Received, r => (PacketType)(r.Data[0] & PacketLayout.TypeMask) == PacketType.Disconnect);
        Assert.Contains(h.ClientWires[0].Received, r => (PacketType)(r.Data[0] & PacketLayout.TypeMask) == PacketType.Payload);
    }

    [Fact]
    public void A_handshake_for_another_client_id_from_a_connected_socket_is_refused_and_the_connection_kept()
    {
        // The only defence here is Admit's "one connection per address": without it the handshake for id 8 passed every
        // other check (id 8 is not connected, there is room) and NetServer.Add threw on the address already in its table
        // (caught as an internal error, leaving a half-added slot).
        using var h = new TransportHarness();
        var client = h.Connect(7);
        h.DrainServer();
        h.ClientLinks[0].Conditions.LossPercent = 100;
        client.Disconnect(); // the notice is lost: the server still holds the connection of id 7 at this socket
        h.Step();
        h.ClientLinks[0].Conditions.LossPercent = 0;

        client.Connect(h.IssueToken(8));
        Assert.True(h.RunUntil(() => client.State is ClientState.Connected or ClientState.Disconnected, maxSteps: 600));
        Assert.Equal(DisconnectReason.ConnectTimedOut, client.LastDisconnectReason); // refusals to a connected address are not answered
        Assert.Equal(0, h.Server.Counters.InternalErrors);
        Assert.True(h.Server.Counters.RejectedFromConnected > 0);
        Assert.Equal(1, h.Server.ConnectionCount);
        Assert.DoesNotContain(h.DrainServer(), e => e.Type is NetEventType.Connected or NetEventType.Disconnected);
    }

    [Fact]
    public void Approval_callback_sees_the_token_user_data_and_can_refuse()
    {
        var seen = new List<(ulong, byte[])>();
        using var h = new TransportHarness(configure: o => o.ApproveConnection = (id, data, _) =>
        {
            seen.Add((id, data.ToArray()));
            return data[0] == 1;
        });
        var accepted = Attempt(h, h.IssueToken(10, userData: [1, 2, 3]));
        var refused = Attempt(h, h.IssueToken(11, userData: [9]));
        Assert.Equal(ClientState.Connected, accepted.State);
        Assert.Equal(DisconnectReason.Rejected, refused.LastDisconnectReason);
        Assert.Equal(10UL, seen[0].Item1);
        Assert.Equal(new byte[] { 1, 2, 3 }, seen[0].Item2[..3]);
        Assert.Equal(256, seen[0].Item2.Length);
        Assert.All(seen[0].Item2[3..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Client_tries_the_next_server_address_when_the_first_is_silent()
    {
        using var h = new TransportHarness();
        var token = h.Issuer.Issue(3, [], TimeSpan.FromMinutes(1), [NetAddress.Parse("[fd00::dead]:1").ToEndPoint(), h.ServerAddress.ToEndPoint()]);
        var client = Attempt(h, token, o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        Assert.Equal(ClientState.Connected, client.State);
        Assert.Equal(h.ServerAddress, client.ServerAddress);
    }

    [Fact]
    public void Forged_challenges_are_ignored_by_the_client()
    {
        using var h = new TransportHarness();
        var client = h.AddClient();
        client.Connect(h.IssueToken(8));
        var random = new Random(4);
        var forged = new byte[Traktor.Ecs.Net.Transport.Packets.PacketLayout.ChallengeSize];
        var cleartext = new byte[25];
        for (int i = 0; i < 200 && client.State != ClientState.Connected; i++)
        {
            h.Step();
            // Arrive after the server's real challenge, so a client trusting them would echo a bogus cookie.
            random.NextBytes(forged);
            random.NextBytes(cleartext);
            forged[0] = 1;
            cleartext[0] = 1;
            h.Network.Inject(forged, h.ServerAddress, h.ClientWires[0].LocalAddress);
            h.Network.Inject(cleartext, h.ServerAddress, h.ClientWires[0].LocalAddress);
        }
        Assert.Equal(ClientState.Connected, client.State);
        Assert.Equal(0, h.Server.Counters.InvalidResponses);
    }

    [Fact]
    public void Insecure_mode_connects_without_a_token_and_warns_at_start()
    {
        using var h = new TransportHarness(configure: o => { o.Insecure = true; o.PrivateKey = null; });
        Assert.Contains(h.ServerLog.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("INSECURE"));
        var client = h.AddClient();
        client.ConnectInsecure(h.ServerAddress, 99);
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected));
        client.Send(ChannelKind.ReliableOrdered, [5]);
        h.Step();
        h.Step();
        var events = h.DrainServer();
        Assert.Equal(99UL, events.Single(e => e.Type == NetEventType.Connected).ClientId);
        Assert.Equal(new byte[] { 5 }, events.Single(e => e.Type == NetEventType.Message).Data.ToArray());
    }

    [Fact]
    public void Insecure_client_cannot_connect_to_a_secure_server()
    {
        using var h = new TransportHarness();
        var client = h.AddClient(configure: o => { o.Insecure = true; o.ConnectTimeout = TimeSpan.FromSeconds(1); });
        client.ConnectInsecure(h.ServerAddress, 1);
        h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 200);
        Assert.Equal(DisconnectReason.ConnectTimedOut, client.LastDisconnectReason);
        Assert.Equal(0, h.Server.ConnectionCount);
    }
}

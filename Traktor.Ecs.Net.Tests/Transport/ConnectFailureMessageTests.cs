using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// What a newcomer reads when a client cannot connect (wrong port, server not running, an insecure client at a secure
/// server, mismatched protocol ids): the address it tried, the reason, and what to check. It used to be
/// "Connection attempt failed: ConnectTimedOut." to a logger only, and nothing at all without one.
/// </summary>
[Collection(ConsoleErrorCollection.Name)]
public class ConnectFailureMessageTests
{
    private static NetClient AddClient(TransportHarness h, ILogger? logger, bool insecure = false, ulong protocolId = TransportHarness.ProtocolId)
    {
        var options = new NetClientOptions { ProtocolId = protocolId, SchemaHash = TransportHarness.SchemaHash, Insecure = insecure, ConnectTimeout = TimeSpan.FromSeconds(1) };
        var client = new NetClient(h.Network.CreateTransport(), options, h.Time, logger);
        h.Clients.Add(client);
        return client;
    }

    [Fact]
    public void An_insecure_client_at_a_secure_server_is_told_what_to_check_with_the_address_it_tried()
    {
        using var h = new TransportHarness();
        var log = new CapturingLogger();
        var client = AddClient(h, log, insecure: true);
        client.ConnectInsecure(h.ServerAddress, clientId: 1);
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 200));

        Assert.Equal(DisconnectReason.ConnectTimedOut, client.LastDisconnectReason);
        var warning = Assert.Single(log.Lines, line => line.Level == LogLevel.Warning && line.Message.Contains("ConnectTimedOut", StringComparison.Ordinal));
        Assert.Contains($"Could not connect to {h.ServerAddress}", warning.Message, StringComparison.Ordinal);
        Assert.Contains("the server is running", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Insecure = true, only ConnectInsecure", warning.Message, StringComparison.Ordinal);
        Assert.True(h.Server.Counters.Malformed > 0, "the server ignored the insecure request, as the message says");
    }

    [Fact]
    public void The_secure_server_says_once_why_it_ignores_an_insecure_client_and_a_token_it_cannot_open()
    {
        // Both attempts time out on the client without an answer; the server's operator used to see only counters.
        using var h = new TransportHarness();
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var insecure = AddClient(h, logger: null, insecure: true);
            insecure.ConnectInsecure(h.ServerAddress, clientId: 1);
            Assert.True(h.RunUntil(() => insecure.State == ClientState.Disconnected, maxSteps: 200));
        }

        var otherKey = new ConnectTokenIssuer(ConnectTokenIssuer.GenerateServerKey(), TransportHarness.ProtocolId, h.Time);
        var stranger = AddClient(h, logger: null);
        stranger.Connect(otherKey.Issue(2, [], TimeSpan.FromMinutes(1), [h.ServerAddress.ToEndPoint()]));
        Assert.True(h.RunUntil(() => stranger.State == ClientState.Disconnected, maxSteps: 200));

        var warnings = h.ServerLog.Lines.Where(line => line.Level == LogLevel.Warning).Select(line => line.Message).ToList();
        Assert.Single(warnings, text => text.StartsWith("Ignored an insecure connection request", StringComparison.Ordinal)
            && text.Contains("NetClient.Connect(token)", StringComparison.Ordinal));
        Assert.Single(warnings, text => text.Contains("whose connect token this server cannot open", StringComparison.Ordinal)
            && text.Contains("NetServerOptions.PrivateKey and ProtocolId", StringComparison.Ordinal));
    }

    [Fact]
    public void A_protocol_id_mismatch_says_which_settings_must_agree()
    {
        using var h = new TransportHarness();
        var log = new CapturingLogger();
        var client = AddClient(h, log, protocolId: TransportHarness.ProtocolId + 1);
        client.Connect(h.IssueToken(1));
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 200));

        Assert.Equal(DisconnectReason.ProtocolMismatch, client.LastDisconnectReason);
        Assert.Contains(log.Lines, line => line.Level == LogLevel.Warning
            && line.Message.Contains("ProtocolMismatch", StringComparison.Ordinal)
            && line.Message.Contains("NetClientOptions.ProtocolId, NetServerOptions.ProtocolId", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_logger_the_first_failure_of_each_reason_is_written_once_to_standard_error()
    {
        using var h = new TransportHarness();
        string written = CaptureStandardError(() =>
        {
            var client = AddClient(h, logger: null, insecure: true);
            for (int attempt = 0; attempt < 2; attempt++)
            {
                client.ConnectInsecure(h.ServerAddress, clientId: 1);
                Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 200));
                Assert.Equal(DisconnectReason.ConnectTimedOut, client.LastDisconnectReason);
            }
        });

        string expected = $"Traktor.Ecs.Net: could not connect to {h.ServerAddress}: ConnectTimedOut. No server answered";
        Assert.Equal(1, written.Split(expected).Length - 1);
    }

    [Fact]
    public void A_client_giving_up_its_own_attempt_writes_nothing_to_standard_error()
    {
        using var h = new TransportHarness();
        string written = CaptureStandardError(() =>
        {
            var client = AddClient(h, logger: null, insecure: true);
            client.ConnectInsecure(h.ServerAddress, clientId: 7);
            client.Disconnect();
            Assert.Equal(DisconnectReason.ClientDisconnected, client.LastDisconnectReason);
        });

        Assert.DoesNotContain($"could not connect to {h.ServerAddress}", written, StringComparison.Ordinal);
    }

    [Fact]
    public void A_typed_null_logger_counts_as_no_logger_as_the_untyped_one_does()
    {
        // NullLogger<T> (what DI and many layers hand down for "nothing configured") was taken for a real logger, so the
        // failure went nowhere at all; it is treated as NullLogger is.
        using var h = new TransportHarness();
        string written = CaptureStandardError(() =>
        {
            var client = AddClient(h, Microsoft.Extensions.Logging.Abstractions.NullLogger<NetClient>.Instance, insecure: true);
            client.ConnectInsecure(h.ServerAddress, clientId: 1);
            Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 200));
        });

        Assert.Contains($"could not connect to {h.ServerAddress}: ConnectTimedOut", written, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_the_library_makes_for_itself_writes_nothing_to_standard_error()
    {
        // A migrating peer's client: its owner judges a failed connect and says so through its own events.
        using var h = new TransportHarness();
        string written = CaptureStandardError(() =>
        {
            var options = new NetClientOptions { ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash, Insecure = true, ConnectTimeout = TimeSpan.FromSeconds(1) };
            var client = new NetClient(h.Network.CreateTransport(), options, h.Time) { AnnouncesFailuresWithoutLogger = false };
            h.Clients.Add(client);
            client.ConnectInsecure(h.ServerAddress, clientId: 1);
            Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 200));
            Assert.Equal(DisconnectReason.ConnectTimedOut, client.LastDisconnectReason);
        });

        Assert.DoesNotContain($"could not connect to {h.ServerAddress}", written, StringComparison.Ordinal);
    }

    private static string CaptureStandardError(Action action)
    {
        var original = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            action();
        }
        finally
        {
            Console.SetError(original);
        }

        return captured.ToString();
    }

    [Fact]
    public void A_missing_token_says_where_tokens_come_from_and_how_to_do_without()
    {
        // A login's AuthSession.ConnectToken is empty when the services issue no tokens: that used to read
        // "Malformed connect token: 0 bytes, where a connect token has 1024."
        using var client = new NetClient(new InMemoryNetwork().CreateTransport(), new NetClientOptions { ProtocolId = TransportHarness.ProtocolId });
        var refused = Assert.Throws<ArgumentException>(() => client.Connect(ReadOnlySpan<byte>.Empty));
        Assert.StartsWith("No connect token (0 bytes).", refused.Message, StringComparison.Ordinal);
        Assert.Contains("SessionJoinResult.ConnectInfo.ConnectToken", refused.Message, StringComparison.Ordinal);
        Assert.Contains("OnlineServicesOptions.ConnectTokenIssuer", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Insecure = true on client and server and call ConnectInsecure", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connecting_in_the_other_mode_says_which_call_and_setting_go_together()
    {
        var network = new InMemoryNetwork();
        var server = network.CreateTransport();
        using var secure = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = TransportHarness.ProtocolId });
        var withoutToken = Assert.Throws<InvalidOperationException>(() => secure.ConnectInsecure(server.LocalAddress, clientId: 1));
        Assert.Contains("connects with Connect(token)", withoutToken.Message, StringComparison.Ordinal);
        Assert.Contains("set Insecure = true on both the client and the server", withoutToken.Message, StringComparison.Ordinal);

        using var insecure = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = TransportHarness.ProtocolId, Insecure = true });
        var withToken = Assert.Throws<InvalidOperationException>(() => insecure.Connect(new byte[16]));
        Assert.Contains("connects with ConnectInsecure(serverAddress, clientId)", withToken.Message, StringComparison.Ordinal);
        Assert.Contains("NetServerOptions.PrivateKey", withToken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_version_field_from_the_wire_is_logged_as_printable_text_only()
    {
        // Anyone's bytes: a line break or an escape sequence in them must not forge or colour the server's log lines.
        byte[] field = [.. "TRKNET99"u8, (byte)'\n', 0x1B, .. "[31m"u8, 0, (byte)'x'];
        Assert.Equal("TRKNET99??[31m", Traktor.Ecs.Net.Transport.ServerHandshake.Printable(field));
        Assert.Equal("", Traktor.Ecs.Net.Transport.ServerHandshake.Printable([0, 0]));
    }

    [Fact]
    public void Every_reason_has_an_explanation_of_its_own()
    {
        var reasons = Enum.GetValues<DisconnectReason>();
        var explanations = reasons.Select(reason => reason.Explain()).ToList();
        Assert.All(explanations, text => Assert.DoesNotContain("unknown to this version", text, StringComparison.Ordinal));
        Assert.Equal(reasons.Length, explanations.Distinct().Count());
        Assert.Contains("unknown to this version", ((DisconnectReason)250).Explain(), StringComparison.Ordinal);
    }
}

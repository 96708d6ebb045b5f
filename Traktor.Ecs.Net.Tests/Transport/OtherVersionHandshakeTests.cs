using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// What a peer of another protocol version sees (docs/PROTOCOL.md §3.7): a server answers a request whose version string
/// is not its own with its version and the request's echo, and nothing else (no challenge, no denial, no connection),
/// counting it as malformed; the client's attempt ends with <see cref="DisconnectReason.ProtocolVersionMismatch"/> (not
/// <see cref="DisconnectReason.ProtocolMismatch"/>, which is for another protocol id). Before TRKNET19 the server said
/// nothing and the client ended with <see cref="DisconnectReason.ConnectTimedOut"/> after its whole connect timeout. The
/// other build is this build writing another version string (the request's layout did not change); a control with the
/// current string connects. Real sockets: <c>VersionMismatchConformanceTests</c>.
/// </summary>
public sealed class OtherVersionHandshakeTests
{
    [Theory]
    [InlineData("TRKNET18")]   // an older version string, written by a build that has the answer (a real TRKNET18 build times out: §16)
    [InlineData("TRKNET20")]   // a newer one
    [InlineData("TRKNET99")]
    public void A_handshake_of_another_version_gets_the_servers_version_and_the_client_a_typed_reason(string other)
    {
        using var h = new TransportHarness();
        var client = OtherClient(h, other);
        h.ServerWire.Enabled = true;

        client.Connect(h.IssueToken(7));
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 200), $"still {client.State}");

        Assert.Equal(DisconnectReason.ProtocolVersionMismatch, client.LastDisconnectReason);
        Assert.True(client.LastDisconnectByServer);
        Assert.Equal(1, h.Server.Counters.VersionMismatchesAnswered); // the first answer arrives: the request is not resent
        Assert.Equal(1, h.Server.Counters.Malformed);
        var answer = Assert.Single(h.ServerWire.Sent).Data;                // the answer, and no challenge or denial
        Assert.Equal(17, answer.Length);
        Assert.Equal(ConnectTokenLayout.Version.ToArray(), answer[1..9]);
        Assert.Equal(0, h.Server.Counters.ChallengesSent);
        Assert.Equal(0, h.Server.Counters.Denied);
        Assert.Equal(0, h.Server.ConnectionCount);
        Assert.Empty(h.DrainServer());
    }

    [Fact]
    public void A_server_of_another_version_is_logged_by_the_client_with_both_versions()
    {
        using var h = new TransportHarness(configure: o => o.ProtocolVersion = "TRKNET99"u8.ToArray());
        var log = new CapturingLogger();
        var client = new NetClient(h.Wire.CreateClient(), new NetClientOptions
        {
            ProtocolId = TransportHarness.ProtocolId,
            SchemaHash = TransportHarness.SchemaHash,
        }, h.Time, log, ownsTransport: true);
        h.Clients.Add(client);

        client.Connect(h.IssueToken(7));
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 200), $"still {client.State}");

        Assert.Equal(DisconnectReason.ProtocolVersionMismatch, client.LastDisconnectReason);
        string ours = System.Text.Encoding.ASCII.GetString(ConnectTokenLayout.Version);
        Assert.Contains(log.Lines, l => l.Message.Contains("TRKNET99", StringComparison.Ordinal) && l.Message.Contains(ours, StringComparison.Ordinal));
    }

    [Fact]
    public void A_client_with_this_version_connects()
    {
        using var h = new TransportHarness();
        var client = OtherClient(h, System.Text.Encoding.ASCII.GetString(ConnectTokenLayout.Version));

        client.Connect(h.IssueToken(7));

        Assert.True(h.RunUntil(() => client.State == ClientState.Connected, maxSteps: 200), $"still {client.State}");
        Assert.Equal(0, h.Server.Counters.Malformed);
        Assert.Equal(0, h.Server.Counters.VersionMismatchesAnswered);
    }

    /// <summary>A client on the harness's clock whose connection requests carry <paramref name="version"/>.</summary>
    private static NetClient OtherClient(TransportHarness h, string version) =>
        h.AddClient(configure: o => o.ProtocolVersion = System.Text.Encoding.ASCII.GetBytes(version));
}

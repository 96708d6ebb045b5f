using System.Globalization;
using System.Text;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// The numbers PROTOCOL.md and SECURITY.md give for the transport, read from the code they describe: a default or
/// constant changed without its documentation (or the other way round) fails here rather than misleading a reader.
/// </summary>
public class DocumentedConstantsTests
{
    private static string Doc(string name) => File.ReadAllText(Path.Combine(DocsCompileTests.RepositoryRoot(), "docs", name));

    /// <summary>A count as the docs write it: 65,536.</summary>
    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    [Fact]
    public void The_protocol_version_string_is_the_one_the_handshake_sends()
    {
        string version = Encoding.ASCII.GetString(ConnectTokenLayout.Version);
        string protocol = Doc("PROTOCOL.md");
        Assert.Contains($"Version string: `{version}`.", protocol);
        Assert.Contains($"| 0 | 8 | version `{version}` (ASCII) |", protocol);
        Assert.Contains($"info = \"{version} client to server\"", protocol);
        Assert.Contains($"info = \"{version} server to client\"", protocol);
    }

    [Fact]
    public void The_version_answer_budget_is_the_server_defaults()
    {
        var options = new NetServerOptions();
        string transport = Doc("TRANSPORT.md").Replace('\n', ' ');
        Assert.Contains($"`VersionAnswerRatePerSecond` ({N((long)options.VersionAnswerRatePerSecond)}) with a burst of `VersionAnswerBurst` ({N((long)options.VersionAnswerBurst)})", transport);
        Assert.Contains($"`VersionAnswerTotalRatePerSecond` ({N((long)options.VersionAnswerTotalRatePerSecond)}) with a burst of `VersionAnswerTotalBurst` ({N((long)options.VersionAnswerTotalBurst)})", transport);
        Assert.Contains($"`HandshakeRatePerSecond` ({N((long)options.HandshakeRatePerSecond)}) times a second with a burst of `HandshakeBurst` ({N((long)options.HandshakeBurst)})", transport);
        Assert.Contains($"by default **{N((long)options.VersionAnswerRatePerSecond)} answer per second with a burst of {N((long)options.VersionAnswerBurst)} per source**", Doc("PROTOCOL.md").Replace('\n', ' '));
    }

    [Fact]
    public void The_admission_budgets_are_the_server_defaults()
    {
        var options = new NetServerOptions();
        string protocol = Doc("PROTOCOL.md");
        Assert.Contains($"`ViolationPenalty`\n({options.ViolationPenalty.TotalSeconds:0} s)", protocol);
        Assert.Contains($"`MaxConnectionsPerAddress` ({options.MaxConnectionsPerAddress}) connections", protocol);
        Assert.Contains($"`MaxConnectionsPerSubnet` ({options.MaxConnectionsPerSubnet}, half the default {options.MaxClients}\nslots)", protocol);
        Assert.Contains($"`ReclaimIdleAfter` ({options.ReclaimIdleAfter.TotalSeconds:0} s)", protocol);
        Assert.Contains($"The server remembers at most {N(UsedTokens.Capacity)} tokens", protocol);

        string security = Doc("SECURITY.md");
        Assert.Contains($"| handshake packets | fixed sizes; {options.HandshakeRatePerSecond:0}/s, burst {options.HandshakeBurst:0} per IPv4 address or IPv6 /64", security);
        Assert.Contains($"| connect tokens (secure) | single-use until expiry ({N(UsedTokens.Capacity)} remembered)", security);
        Assert.Contains($"| connections | {options.MaxConnectionsPerAddress} per IP address, {options.MaxConnectionsPerSubnet} per /24 or /64, idle slots reclaimed after {options.ReclaimIdleAfter.TotalSeconds:0} s", security);
        Assert.Contains($"`ProtocolViolation`, IP refused {options.ViolationPenalty.TotalSeconds:0} s", security);
        Assert.Contains($"| datagrams of a connection | {options.MaxDatagramsPerConnection} authenticated", security);
        Assert.Contains($"per `Update`; {N(options.MaxDatagramsPerUpdate)} read per `Update` in all |", security);
        Assert.Contains($"| messages of a connection | {N(options.MaxMessagesPerConnection)} and {options.MaxMessageBytesPerConnection / 1024} KiB per `Update`; " +
            $"event queue {N(options.MaxQueuedMessages)} messages, {options.MaxQueuedMessageBytes / (1024 * 1024)} MiB |", security);
        Assert.Contains($"| violations | {options.ViolationLimit} (", security);
    }

    [Fact]
    public void The_resend_delay_is_bounded_as_written()
    {
        // PROTOCOL.md §7: the retransmission timeout max(1.25 × SRTT + 4 × RTTVAR + 5 ms, 30 ms), 200 ms before the first
        // RTT sample, doubled each time it fires until a packet in flight is acknowledged, at most 8 s (bfeb06c lifted the
        // old 1 s bound from the timeout: a queue on a slow link makes round trips longer than that).
        string protocol = Doc("PROTOCOL.md");
        Assert.Contains("max(1.25 × SRTT + 4 × RTTVAR + 5 ms, 30 ms) (200 ms before the first RTT sample)", protocol);
        Assert.Contains($"doubles each time it fires until a packet in flight is acknowledged (at most {CongestionWindow.MaxTimeout:0} s)", protocol);
        Assert.Contains($"A sample over {ConnectionStatistics.OutlierFactor:0} resend delays is set aside as an outlier", protocol);

        var window = new CongestionWindow(1200);
        var statistics = new ConnectionStatistics();
        Assert.Equal(0.2, window.Timeout(statistics));
        statistics.AddRttSample(0.040); // the first sample: SRTT 40 ms, RTTVAR 20 ms
        Assert.Equal(1.25 * 0.040 + 4 * 0.020 + 0.005, window.Timeout(statistics), 9);

        var fast = new ConnectionStatistics();
        fast.AddRttSample(0.001);
        Assert.Equal(0.030, window.Timeout(fast), 9);

        var slow = new ConnectionStatistics();
        slow.AddRttSample(1.5);
        Assert.Equal(1.25 * 1.5 + 4 * 0.75 + 0.005, window.Timeout(slow), 9); // no 1 s bound any more
        var slower = new ConnectionStatistics();
        slower.AddRttSample(6);
        Assert.Equal(CongestionWindow.MaxTimeout, window.Timeout(slower), 9);

        window.OnTimeout(now: 0);
        Assert.Equal(2 * (1.25 * 0.040 + 4 * 0.020 + 0.005), window.Timeout(statistics), 9);
        for (int i = 0; i < 10; i++) window.OnTimeout(now: i);
        Assert.Equal(CongestionWindow.MaxTimeout, window.Timeout(statistics), 9);
    }
}

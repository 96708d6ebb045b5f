using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// The silence after which a peer following a lost plan passes a successor (<see cref="SuccessorSilence"/>), measured on a
/// deterministic simulation: the real handshake (a <see cref="NetClient"/> asking a live <see cref="NetServer"/>) over
/// seeded lossy links on a fake clock, many times, noting when the first challenge arrives. A live successor is passed
/// when none arrives within the window; a dead one is passed after exactly the window.
/// </summary>
public class SuccessorSilenceTests(ITestOutputHelper output)
{
    private const ulong Protocol = 0x5349_4C45;
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60);
    private static readonly TimeSpan Resend = new NetClientOptions().HandshakeResendInterval;

    /// <summary>
    /// At 50 % loss each way a live successor's first answer came later than the fixed 1 s host silence in about one
    /// handshake of eighteen (0.75¹⁰ ≈ 5.6 %: the follow passed a live host); within the window for the measured loss it
    /// is late in at most 0.3 % (the window aims at 0.1 %). Failed before: the window was the host silence, and 5.4 % of
    /// the 4,000 simulated handshakes came later than it.
    /// </summary>
    [Fact]
    public void At_half_loss_a_live_successor_is_passed_far_more_rarely_than_with_the_fixed_host_silence()
    {
        var options = new MigrationOptions();
        var answers = FirstAnswers(lossPercent: 50, trials: 4_000, cap: options.ReconnectTimeout, seed: 19);
        double fixedRate = LateRate(answers, options.HostSilence);
        var window = SuccessorSilence.Window(0.5, options, Resend);
        double rate = LateRate(answers, window);
        output.WriteLine($"50 % loss: {fixedRate:P2} late after {options.HostSilence.TotalSeconds:F1} s; {rate:P2} after the window {window.TotalSeconds:F1} s");

        Assert.InRange(fixedRate, 0.03, 0.09); // the simulation shows the fault the fixed second had
        Assert.True(rate <= 0.003, $"{rate:P2} of live successors answered later than the {window.TotalSeconds:F1} s window");
        Assert.True(window <= options.ReconnectTimeout, $"the window {window} outlasts the reconnect timeout");
    }

    /// <summary>
    /// The cost: a dead successor is passed after the window, which is the host silence on a clean or mildly lossy link (no
    /// slower than before) and grows only where a fixed second passed live successors often, never past the reconnect
    /// timeout. The table these runs print is the one docs/P2P.md quotes.
    /// </summary>
    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(10, 1.0)]
    [InlineData(20, 1.0)]
    [InlineData(35, 1.4)]
    [InlineData(50, 2.6)]
    [InlineData(60, 3.0)]
    public void The_window_grows_with_the_measured_loss_and_keeps_live_successors_from_being_passed(int lossPercent, double seconds)
    {
        var options = new MigrationOptions();
        var window = SuccessorSilence.Window(lossPercent / 100.0, options, Resend);
        Assert.Equal(seconds, window.TotalSeconds, 3);

        var answers = FirstAnswers(lossPercent, trials: 1_000, cap: options.ReconnectTimeout, seed: 20 + lossPercent);
        double fixedRate = LateRate(answers, options.HostSilence);
        double rate = LateRate(answers, window);
        output.WriteLine($"{lossPercent} % loss: window {window.TotalSeconds:F1} s (dead successor passed after it); live passed: {fixedRate:P2} with 1 s, {rate:P2} with the window");
        Assert.True(rate <= Math.Max(0.005, fixedRate), $"{rate:P2} late with the window, {fixedRate:P2} with the host silence");
    }

    [Fact]
    public void A_window_is_never_shorter_than_the_host_silence_nor_longer_than_the_reconnect_timeout()
    {
        var options = new MigrationOptions { HostSilence = TimeSpan.FromMilliseconds(400), ReconnectTimeout = TimeSpan.FromSeconds(2) };
        foreach (double loss in new[] { double.NaN, -1, 0, 0.05, 0.3, 0.5, 0.9, 1, 2 })
        {
            var window = SuccessorSilence.Window(loss, options, Resend);
            Assert.InRange(window, options.HostSilence, options.ReconnectTimeout);
        }

        Assert.Equal(options.HostSilence, SuccessorSilence.Window(0, options, Resend));
        Assert.Equal(options.ReconnectTimeout, SuccessorSilence.Window(1, options, Resend));
    }

    private static double LateRate(List<TimeSpan> answers, TimeSpan window) => answers.Count(a => a >= window) / (double)answers.Count;

    /// <summary>Per trial, how long a client asking a live server waits for its first challenge (at most <paramref name="cap"/>).</summary>
    private static List<TimeSpan> FirstAnswers(int lossPercent, int trials, TimeSpan cap, int seed)
    {
        var answers = new List<TimeSpan>(trials);
        var conditions = new LinkConditions { LossPercent = lossPercent };
        for (int trial = 0; trial < trials; trial++)
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));
            var network = new InMemoryNetwork();
            using var serverSocket = new LinkSimulator(network.CreateTransport(), conditions, time, (seed * 100_000) + (2 * trial));
            using var clientSocket = new LinkSimulator(network.CreateTransport(), conditions, time, (seed * 100_000) + (2 * trial) + 1);
            var key = ConnectTokenIssuer.GenerateServerKey();
            using var server = new NetServer(serverSocket, new NetServerOptions { ProtocolId = Protocol, PrivateKey = key, PublicAddresses = [serverSocket.LocalAddress] }, time);
            using var client = new NetClient(clientSocket, new NetClientOptions { ProtocolId = Protocol }, time);
            client.Connect(new ConnectTokenIssuer(key, Protocol, time).Issue(7, [], TimeSpan.FromMinutes(1), [serverSocket.LocalAddress], 3));
            var waited = TimeSpan.Zero;
            while (client.State == ClientState.SendingRequest && waited < cap)
            {
                client.Update();
                server.Update();
                time.Advance(Tick);
                waited += Tick;
            }

            answers.Add(client.State == ClientState.SendingRequest ? cap : waited);
        }

        return answers;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Xunit;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>
/// Issue #19's host-migration bar with real processes: four players of samples/HostMigration (a first host and three
/// joiners over loopback UDP), the host killed with SIGKILL mid-game, and the game going on among the three survivors
/// with none of their entities lost. The 2 s of the issue are asserted in virtual time by
/// <see cref="Peers.HostMigrationTests"/>; here the time is measured and printed, and only a bound no slowness of a
/// loaded machine reaches is asserted.
/// </summary>
[Collection(nameof(FleetProcessCollection))]
public partial class HostMigrationProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Four_processes_lose_their_host_to_SIGKILL_and_the_survivors_play_on_with_every_entity()
    {
        // The sample's assembly is not loaded here (its schema would join this process's loaded ones): only its path.
        string sample = Path.Combine(AppContext.BaseDirectory, "HostMigration.dll");
        Assert.True(File.Exists(sample), sample);
        string key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        using var host = new ChildProcess("dotnet", [sample, "--id", "1", "--key", key, "--host", "--duration", Duration]);
        string address = await WaitFor(host, () => StandbyLine().Match(host.Output) is { Success: true } m ? m.Groups[1].Value : null, TimeSpan.FromSeconds(60), "the host's address");
        var joiners = new List<ChildProcess>();
        try
        {
            for (int id = 2; id <= 4; id++) joiners.Add(new ChildProcess("dotnet", [sample, "--id", $"{id}", "--key", key, "--join", address, "--duration", Duration]));

            // Mid-game: every joiner sees the four ships and the eight beacons, and holds a plan naming three successors.
            var before = await WaitFor(host, () =>
            {
                var statuses = joiners.Select(j => Latest(j.Output)).ToList();
                return statuses.All(s => s is { Epoch: 1, Ships.Count: 4, Beacons.Count: 8 } && s.Successors.Split(',').Length == 3) ? statuses.ConvertAll(s => s!) : null;
            }, TimeSpan.FromSeconds(90), "the joiners in play with a plan");
            var hostView = Latest(host.Output)!;
            string successors = before[0].Successors;
            Assert.All(before, s => Assert.Equal(successors, s.Successors)); // one plan, the same on every peer
            ulong heir = ulong.Parse(successors.Split(',')[0], CultureInfo.InvariantCulture);
            var kept = hostView.Ships.Where(s => s.Key != 1).Select(s => s.Value).Concat(hostView.Beacons).ToHashSet();
            uint hostShip = hostView.Ships[1];
            float beaconY = before.Max(s => s.BeaconY);

            var clock = Stopwatch.StartNew();
            host.Signal("KILL");
            var after = await WaitFor(host, () =>
            {
                var statuses = joiners.Select(j => Latest(j.Output)).ToList();
                return statuses.All(s => s is { Epoch: 2 } && s.Host == heir && s.Tick > 0 && s.BeaconY > beaconY
                    && kept.IsSubsetOf(s.Ships.Values.Concat(s.Beacons)) && !s.Ships.ContainsValue(hostShip)) ? statuses.ConvertAll(s => s!) : null;
            }, TimeSpan.FromSeconds(60), "the survivors playing on under the heir");
            var continued = clock.Elapsed;
            output.WriteLine($"host killed; the three survivors continued under peer {heir} after {continued.TotalMilliseconds:F0} ms (measured on a possibly loaded machine; 1 s of it is the silence that gives the host up)");
            foreach (var line in joiners.SelectMany(j => j.Output.Split('\n')).Where(l => l.StartsWith("migrated", StringComparison.Ordinal))) output.WriteLine(line.Trim());

            // The game goes on: ticks advance on every survivor under the new host.
            uint[] ticks = after.Select(s => s.Tick).ToArray();
            await WaitFor(host, () => joiners.Select(j => Latest(j.Output)!).Select((s, i) => s.Tick > ticks[i] + 30).All(x => x) ? "" : null, TimeSpan.FromSeconds(30), "ticks going on");
            Assert.All(joiners.Select(j => Latest(j.Output)!), s => Assert.Equal(3, s.Ships.Count));
            Assert.True(continued < TimeSpan.FromSeconds(30), $"the survivors took {continued} to continue"); // a hang, not slowness
        }
        finally
        {
            foreach (var joiner in joiners) joiner.Dispose();
        }
    }

    /// <summary>
    /// The game is over: the host ends it (typed <c>end</c>, as when its duration is up), and every player is out and
    /// stops. Failed before (the sample ended with Dispose when its duration was up; run by hand, host 6 s, two joiners
    /// 12 s): both joiners printed "migrated host=2", and when peer 2's game was over too, "migrated host=3". Every peer's
    /// last status line, its end screen, shows the same ships and beacons (before, the players had dropped theirs).
    /// </summary>
    [Fact]
    public async Task When_the_game_is_over_the_host_ends_it_for_every_player_and_nobody_migrates()
    {
        string sample = Path.Combine(AppContext.BaseDirectory, "HostMigration.dll");
        string key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        using var host = new ChildProcess("dotnet", [sample, "--id", "1", "--key", key, "--host", "--duration", Duration], input: true);
        string address = await WaitFor(host, () => StandbyLine().Match(host.Output) is { Success: true } m ? m.Groups[1].Value : null, TimeSpan.FromSeconds(60), "the host's address");
        var joiners = new List<ChildProcess>();
        try
        {
            for (int id = 2; id <= 3; id++) joiners.Add(new ChildProcess("dotnet", [sample, "--id", $"{id}", "--key", key, "--join", address, "--duration", Duration]));
            await WaitFor(host, () => joiners.All(j => Latest(j.Output) is { Epoch: 1, Ships.Count: 3 } s && s.Successors.Split(',').Length == 2) ? "" : null,
                TimeSpan.FromSeconds(90), "the joiners in play with a plan");

            host.WriteLine("end");
            Assert.Equal(0, await host.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("ended", host.Output.Split('\n').Select(l => l.Trim()));
            var final = Latest(host.Output)!; // the host's end screen: its world as the game ended
            foreach (var joiner in joiners)
            {
                Assert.Equal(0, await joiner.WaitAsync(TimeSpan.FromSeconds(30)));
                var lines = joiner.Output.Split('\n').Select(l => l.Trim()).ToList();
                Assert.Contains("out reason=SessionEnded", lines);
                Assert.DoesNotContain(lines, l => l.StartsWith("migrated", StringComparison.Ordinal));
                var shown = Latest(joiner.Output)!; // the player's end screen shows the host's final world
                Assert.Equal(1u, shown.Epoch);
                Assert.Equal(3, final.Ships.Count);
                Assert.Equal(final.Ships, shown.Ships);
                Assert.Equal(final.Beacons, shown.Beacons);
                Assert.True(Math.Abs(final.BeaconY - shown.BeaconY) <= 0.03f, $"beacons at y={shown.BeaconY} on a player, {final.BeaconY} on the host");
            }
        }
        finally
        {
            foreach (var joiner in joiners) joiner.Dispose();
        }
    }

    /// <summary>
    /// The samples' game length, in seconds: well beyond the longest test's waits (60 + 90 + 60 + 30 s, then the exits), so the
    /// test ends the game (typing <c>end</c>, or disposing the processes) and never the clock. At 120 s a slow machine's waits
    /// could outlast it, and a peer whose game was over left under the test.
    /// </summary>
    private const string Duration = "900";

    private static async Task<T> WaitFor<T>(ChildProcess anyProcess, Func<T?> probe, TimeSpan limit, string what)
        where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < limit)
        {
            if (probe() is { } found) return found;
            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; one process said:\n{Tail(anyProcess.Output)}");
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];

    /// <summary>The newest complete status line of a process.</summary>
    private static Status? Latest(string output)
    {
        int end = output.LastIndexOf("status ", StringComparison.Ordinal);
        while (end >= 0)
        {
            int lineEnd = output.IndexOf('\n', end);
            if (lineEnd > 0 && StatusLine().Match(output[end..lineEnd].Trim()) is { Success: true } m)
            {
                return new Status(
                    ulong.Parse(m.Groups["host"].Value, CultureInfo.InvariantCulture),
                    uint.Parse(m.Groups["epoch"].Value, CultureInfo.InvariantCulture),
                    uint.Parse(m.Groups["tick"].Value, CultureInfo.InvariantCulture),
                    m.Groups["successors"].Value,
                    m.Groups["ships"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split(':'))
                        .ToDictionary(p => ulong.Parse(p[0], CultureInfo.InvariantCulture), p => uint.Parse(p[1], CultureInfo.InvariantCulture)),
                    m.Groups["beacons"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(b => uint.Parse(b, CultureInfo.InvariantCulture)).ToHashSet(),
                    float.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture));
            }

            end = end == 0 ? -1 : output.LastIndexOf("status ", end - 1, StringComparison.Ordinal);
        }

        return null;
    }

    [GeneratedRegex(@"^standby (\S+)", RegexOptions.Multiline)]
    private static partial Regex StandbyLine();

    [GeneratedRegex(@"^status ms=\d+ role=\w+ host=(?<host>\d+) epoch=(?<epoch>\d+) tick=(?<tick>\d+) successors=(?<successors>[\d,]*) ships=(?<ships>[\d:,]*) beacons=(?<beacons>[\d,]*) beaconY=(?<y>[\d.]+)$")]
    private static partial Regex StatusLine();

    private sealed record Status(ulong Host, uint Epoch, uint Tick, string Successors, Dictionary<ulong, uint> Ships, HashSet<uint> Beacons, float BeaconY);
}

using System.Globalization;
using Demo.Run;

namespace Demo.Console;

/// <summary>The end-of-run summary as plain lines, shared by both views.</summary>
public static class SummaryText
{
    /// <summary>The summary of <paramref name="report"/>.</summary>
    public static IEnumerable<string> Lines(RunReport report)
    {
        var c = CultureInfo.InvariantCulture;
        yield return "";
        yield return "=== Summary ===";
        yield return string.Create(c, $"mode {report.Options.Mode}, played {report.PlayedSeconds:F1} s{(report.Cancelled ? " (stopped by Ctrl+C)" : "")}, link {report.Options.RoundTripMs:F0} ms RTT, {report.Options.LossPercent:F1}% loss");
        // A --client process has no server: what the server counts (pilots, inputs, rocks, shots, the largest snapshot it
        // wrote) lives in the other process's summary, so this one reports only what its bots received.
        bool botsOnly = report.Options.Mode == DemoMode.Client;
        yield return botsOnly
            ? $"bots connected: {report.BotsConnected}/{report.BotsRequested} (the server's figures are in its own process's summary)"
            : $"bots connected: {report.BotsConnected}/{report.BotsRequested}; pilots the server saw: {report.PilotsJoinedServer}";
        if (report.NatPaths.Count > 0)
        {
            yield return $"through the NATs: {report.NatPaths.Count(p => p == "Direct")} bots punched, {report.NatPaths.Count(p => p == "Relayed")} relayed, {report.NatPaths.Count(p => p is not ("Direct" or "Relayed"))} not through";
        }
        if (report.Convergence.Count > 0)
        {
            int ok = report.Convergence.Count(r => r.Converged);
            yield return $"converged: {ok}/{report.Convergence.Count} clients hold exactly the server's relevant entities ({string.Join(", ", report.Convergence.Select(r => $"{r.Bot} {r.Actual}/{r.Expected}"))})";
        }

        if (botsOnly)
        {
            yield return string.Create(c, $"snapshots: {report.Snapshots} received, {report.MeanSnapshotBytes:F0} B mean, {report.SnapshotRecords} entity records, {report.MalformedSnapshots} malformed");
            yield return $"prediction corrections: {report.PredictionCorrections} ({report.PredictionSnaps} too large to smooth)";
        }
        else
        {
            yield return string.Create(c, $"snapshots: {report.Snapshots} sent, {report.MeanSnapshotBytes:F0} B mean, {report.LargestSnapshot} B largest, {report.SnapshotRecords} entity records, {report.MalformedSnapshots} malformed");
            yield return $"input commands: {report.InputsAccepted} accepted, {report.InputsLate} late, {report.InputsMissing} ticks without one; prediction corrections: {report.PredictionCorrections} ({report.PredictionSnaps} too large to smooth)";
        }

        if (report.ClientHealth.Count > 0)
        {
            yield return string.Create(c, $"client health (limits {ClientHealth.MaxCorrectionsPerSecond} corrections/s, {ClientHealth.MaxShareWithoutInput:P0} ticks without input): ")
                + string.Join(", ", report.ClientHealth.Select(h => string.Create(c, $"{h.Bot} {h.CorrectionsPerSecond:F1}/s {h.ShareWithoutInput:P0}")));
            foreach (var problem in report.ClientHealth.Select(h => h.Problem).OfType<string>())
            {
                yield return "  UNHEALTHY " + problem;
            }
        }

        if (report.SnapshotBitsByComponent.Count > 0 && report.PlayedSeconds > 0)
        {
            yield return "snapshot kbit/s by component: " + string.Join(", ", report.SnapshotBitsByComponent
                .Select(kv => string.Create(c, $"{kv.Key} {kv.Value / 1000.0 / report.PlayedSeconds:F1}")));
        }

        yield return "bytes by kind: " + string.Join(", ", report.BytesByKind.Select(kv => string.Create(c, $"{kv.Key} {kv.Value / 1024.0:F1} KiB")));
        if (!botsOnly)
        {
            yield return $"rocks destroyed: {report.RocksDestroyed}, shots fired: {report.ShotsFired}";
        }

        if (report.Script is not null)
        {
            yield return $"bots flown by the Lua pilot {report.Script}: {report.FireRequests} fire RPCs sent, {report.ScriptErrors.Count} script errors";
            foreach (string error in report.ScriptErrors.Take(5))
            {
                yield return "  " + error;
            }
        }
        foreach (var pilot in report.Pilots)
        {
            yield return $"  pilot {pilot.PilotId}{(pilot.Name.Length > 0 ? $" ({pilot.Name})" : "")}: score {pilot.Score}, kills {pilot.Kills}, deaths {pilot.Deaths}, shots {pilot.ShotsFired}";
        }

        if (report.OnlineBackend.Length > 0)
        {
            yield return $"online backend: {report.OnlineBackend}";
            yield return $"leaderboard: {string.Join(" | ", report.Leaderboard)}";
            yield return $"achievements unlocked: {report.AchievementsUnlocked.Count} ({string.Join(", ", report.AchievementsUnlocked.Take(12))}{(report.AchievementsUnlocked.Count > 12 ? ", …" : "")})";
            yield return $"profiles cloud-saved: {report.ProfilesSaved}";
        }

        if (report.Fleet is { } fleet)
        {
            foreach (string line in FleetLines(report, fleet))
            {
                yield return line;
            }
        }

        yield return $"warnings: {report.Warnings.Count}, errors: {report.Errors.Count}";
        foreach (string error in report.Errors.Take(10))
        {
            yield return "  " + error;
        }

        yield return $"report:  {report.HtmlPath}";
        yield return $"data:    {report.JsonPath}";
        if (report.CapturePath is not null)
        {
            yield return $"capture: {report.CapturePath} ({report.CapturedPackets} packets; open with Wireshark)";
        }

        yield return report.ExitCode == 0 ? "result: OK" : "result: FAILED";
    }

    private static IEnumerable<string> FleetLines(RunReport report, Fleet.FleetReport fleet)
    {
        var c = CultureInfo.InvariantCulture;
        string where = report.Options.Mode == DemoMode.Players
            ? $"the fleet behind {report.Options.BackendAddress} ({fleet.Sessions.Select(s => s.Server).Distinct().Count()} game servers hosting this run's sessions)"
            : $"{fleet.Servers.Count} game-server processes";
        yield return $"fleet: {where}; {fleet.BotsPlaying}/{report.BotsRequested} bots playing in a live session at the end; {fleet.FailedJoins} quick-joins tried again";
        foreach (var server in fleet.Servers)
        {
            int sessions = fleet.Sessions.Count(s => s.Server == server.Name);
            int players = fleet.Sessions.Where(s => s.Server == server.Name).Sum(s => s.Players);
            yield return string.Create(c, $"  {server.Name} (pid {server.ProcessId}, {server.State}): {sessions} sessions with {players} players at the end, at most {server.PeakSessions} at once; tick {server.MeanTickMs:F3} ms mean, {server.PeakTickMs:F3} ms peak; {server.HeartbeatFailures} heartbeats failed");
        }

        if (fleet.Ends is { } ends)
        {
            yield return ends.Describe();
        }

        if (report.Options.Mode == DemoMode.Players)
        {
            // No processes of its own: the servers are the ones this run's sessions were on, as the directory named them.
            foreach (var hosted in fleet.Sessions.GroupBy(s => s.Server).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                yield return $"  {hosted.Key}: {hosted.Count()} sessions with {hosted.Sum(s => s.Players)} players at the end";
            }

            if (fleet.ServerNamesMissing is { } missing)
            {
                yield return $"  (game servers by id: {missing})";
            }
        }

        if (fleet.Chaos is { } chaos)
        {
            yield return string.Create(c, $"chaos: SIGKILL {chaos.Server} at {chaos.KilledAtSeconds:F1} s; {chaos.Players.Count} players; stated time to play again {chaos.BudgetSeconds:F0} s: {(chaos.Recovered ? "all recovered" : "NOT all recovered")}");
            foreach (var player in chaos.Players)
            {
                yield return string.Create(c, $"  {player.Bot}: told {player.Reason ?? "nothing"} after {Seconds(player.ToldAfterSeconds)}, playing on {player.NewServer ?? "nothing"} after {Seconds(player.PlayingAgainAfterSeconds)}");
            }
        }
    }

    private static string Seconds(double? value) => value is { } s ? s.ToString("F2", CultureInfo.InvariantCulture) + " s" : "never";
}

using System.Globalization;
using System.Net;
using System.Text;
using Demo.Run;

namespace Demo.Report;

/// <summary>The HTML report: headline figures, four charts, and the tables behind them.</summary>
public static class HtmlReport
{
    /// <summary>Renders <paramref name="report"/> as one HTML page with inline SVG (no scripts, no external files).</summary>
    public static string Render(RunReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var samples = report.Samples;
        var x = samples.Select(s => s.Seconds).ToList();
        var clientNames = samples.SelectMany(s => s.Clients.Select(cl => cl.Name)).Distinct().ToList();
        var systemNames = samples.SelectMany(s => s.ServerSystems.Select(sy => sy.Name)).Distinct().ToList();

        var bandwidth = new List<(string, IReadOnlyList<double>)>
        {
            ("server out", samples.Select(s => s.ServerKilobytesOutPerSecond).ToList()),
            ("server in", samples.Select(s => s.ServerKilobytesInPerSecond).ToList()),
            ("snapshots", samples.Select(s => s.SnapshotBytesPerSecond / 1000.0).ToList()),
        };
        var rtt = clientNames.Select(name => (name, (IReadOnlyList<double>)samples
            .Select(s => s.Clients.FirstOrDefault(cl => cl.Name == name)?.RoundTripMs ?? 0).ToList())).ToList();
        // The first window holds the JIT's warm-up, which would flatten every later point against the axis.
        var warm = samples.Skip(1).ToList();
        var warmX = warm.Select(s => s.Seconds).ToList();
        var tick = systemNames.Select(name => (name, (IReadOnlyList<double>)warm
            .Select(s => s.ServerSystems.FirstOrDefault(sy => sy.Name == name)?.Milliseconds ?? 0).ToList())).ToList();
        var entities = new List<(string, IReadOnlyList<double>)>
        {
            ("replicated", samples.Select(s => (double)s.ReplicatedEntities).ToList()),
            ("rocks", samples.Select(s => (double)s.Asteroids).ToList()),
            ("bullets", samples.Select(s => (double)s.Bullets).ToList()),
        };
        var corrections = clientNames.Select(name => (name, (IReadOnlyList<double>)samples
            .Select(s => (double)(s.Clients.FirstOrDefault(cl => cl.Name == name)?.Corrections ?? 0)).ToList())).ToList();
        var kinds = report.BytesByKind.Select(kv => (kv.Key, kv.Value / 1024.0)).ToList();
        double played = Math.Max(1e-3, report.PlayedSeconds);
        var componentBits = report.SnapshotBitsByComponent.Select(kv => (kv.Key, kv.Value / 1000.0 / played)).ToList();

        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Traktor.Ecs.Net demo report</title>
            <style>
            body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#222;background:#fafafa}
            h1{font-size:24px;margin-bottom:4px} h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
            .ok{color:#2a7d2a;font-weight:600}.bad{color:#b00020;font-weight:600}
            .cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:150px}
            .card b{display:block;font-size:22px}.card span{color:#666;font-size:12px}
            table{border-collapse:collapse;background:#fff;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}
            svg{background:#fff;border:1px solid #ddd;border-radius:8px;margin:8px 0}svg .grid{stroke:#eee}svg .tick{font-size:11px;fill:#666}svg .label{font-size:12px;fill:#333}
            code{background:#eee;padding:1px 4px;border-radius:3px}
            </style></head><body>
            """);
        html.Append(c, $"<h1>Traktor.Ecs.Net demo report</h1><p>Mode <b>{report.Options.Mode}</b>, {report.PlayedSeconds:F1} s of play{(report.Cancelled ? " (stopped by Ctrl+C)" : "")}, simulated link {report.Options.RoundTripMs:F0} ms RTT and {report.Options.LossPercent:F1}% loss per direction. ");
        html.Append(report.ExitCode == 0 ? "<span class=\"ok\">Result: OK</span></p>" : "<span class=\"bad\">Result: FAILED</span></p>");
        html.Append("<div class=\"cards\">");
        Card(html, $"{report.BotsConnected}/{report.BotsRequested}", "bots connected");
        Card(html, report.Convergence.Count == 0 ? "n/a" : $"{report.Convergence.Count(r => r.Converged)}/{report.Convergence.Count}", "clients converged");
        Card(html, report.Snapshots.ToString("N0", c), "snapshots sent");
        Card(html, report.MeanSnapshotBytes.ToString("F0", c) + " B", "mean snapshot");
        // Over the whole sampled run (connect, play and settle), since the snapshot total covers all of it.
        double sampledSeconds = samples.Count == 0 ? 1 : Math.Max(1, samples[^1].Seconds);
        int clients = Math.Max(1, Math.Max(report.BotsConnected, report.PilotsJoinedServer));
        Card(html, (report.SnapshotBytes * 8 / 1000.0 / sampledSeconds / clients).ToString("F1", c) + " kbps", "snapshot bandwidth per client");
        Card(html, warm.Count == 0 ? "n/a" : warm.Average(s => s.ServerTickMs).ToString("F2", c) + " ms", "mean server tick (after warm-up)");
        Card(html, report.RocksDestroyed.ToString(c), "rocks destroyed");
        Card(html, report.Errors.Count.ToString(c), "errors logged");
        html.Append("</div>");

        html.Append("<h2>Bandwidth over time</h2>").Append(SvgChart.Lines("Bandwidth", "KB/s", x, bandwidth));
        html.Append("<h2>Round-trip time per client</h2>").Append(SvgChart.Lines("RTT", "ms", x, rtt));
        html.Append(c, $"<h2>Prediction corrections per client</h2><p>Each bot predicts its own ship from its input commands; a correction is a snapshot whose replay moved the ship. Inputs: {report.InputsAccepted} accepted, {report.InputsLate} late, {report.InputsMissing} ticks without one; {report.PredictionSnaps} of {report.PredictionCorrections} corrections were too large to smooth.</p>")
            .Append(SvgChart.Lines("Prediction corrections", "count", x, corrections));
        if (report.ClientHealth.Count > 0)
        {
            html.Append(c, $"<p>Client health during play (the run fails above {ClientHealth.MaxCorrectionsPerSecond} corrections/s or {ClientHealth.MaxShareWithoutInput:P0} of server ticks without the client's input):</p><table><tr><th>client</th><th>corrections/s</th><th>ticks without input</th><th>late inputs</th><th>too early</th></tr>");
            foreach (var h in report.ClientHealth)
            {
                html.Append(c, $"<tr><td>{WebUtility.HtmlEncode(h.Bot)}{(h.Healthy ? "" : " (unhealthy)")}</td><td>{h.CorrectionsPerSecond:F2}</td><td>{h.TicksWithoutInput} of {h.TicksWithInput + h.TicksWithoutInput} ({h.ShareWithoutInput:P1})</td><td>{h.LateInputs}</td><td>{h.EarlyInputs}</td></tr>");
            }

            html.Append("</table>");
        }
        html.Append("<h2>Server tick time per system</h2><p>Mean wall time per tick of each system in the server's <code>Group</code> (from <code>WalkProfiles</code>), per half-second window (the first window, JIT warm-up, is left out).</p>")
            .Append(SvgChart.Lines("Tick time", "ms", warmX, tick));
        html.Append("<h2>Bytes per message kind</h2><p>Snapshot bytes are the replication payload; the rest of the transport's bytes are packet headers, acknowledgements, resends and keep-alives.</p>")
            .Append(SvgChart.Bars("Bytes per kind", "KiB", kinds));
        if (componentBits.Count > 0)
        {
            html.Append("<h2>Snapshot bits per component type</h2><p>Where the snapshot payload goes: the server attributes every encoded bit to the component type whose section wrote it, or to the entity lists (network ids, spawn flags, baselines). Kilobits per second over the run, all clients together.</p>")
                .Append(SvgChart.Bars("Bits per component type", "kbit/s", componentBits));
        }

        html.Append("<h2>Entities</h2>").Append(SvgChart.Lines("Entities", "count", x, entities));

        if (report.Convergence.Count > 0)
        {
            html.Append("<h2>Convergence (after freezing the world)</h2><table><tr><th>client</th><th>expected</th><th>has</th><th>missing</th><th>extra</th><th>wrong position</th><th></th></tr>");
            foreach (var r in report.Convergence)
            {
                html.Append(c, $"<tr><td>{Enc(r.Bot)}</td><td>{r.Expected}</td><td>{r.Actual}</td><td>{r.Missing}</td><td>{r.Extra}</td><td>{r.WrongPositions}</td><td>{(r.Converged ? "<span class=\"ok\">✓</span>" : "<span class=\"bad\">✗</span>")}</td></tr>");
            }

            html.Append("</table>");
        }

        if (report.Pilots.Count > 0)
        {
            html.Append("<h2>Pilots</h2><table><tr><th>pilot</th><th>name</th><th>score</th><th>kills</th><th>deaths</th><th>shots</th></tr>");
            foreach (var p in report.Pilots)
            {
                html.Append(c, $"<tr><td>{p.PilotId}</td><td>{Enc(p.Name)}</td><td>{p.Score}</td><td>{p.Kills}</td><td>{p.Deaths}</td><td>{p.ShotsFired}</td></tr>");
            }

            html.Append("</table>");
        }

        if (report.OnlineBackend.Length > 0)
        {
            html.Append(c, $"<h2>Online services</h2><p>Backend: {Enc(report.OnlineBackend)}. Profiles cloud-saved: {report.ProfilesSaved}.</p>");
            html.Append("<p>Leaderboard: ").Append(Enc(string.Join(" · ", report.Leaderboard))).Append("</p>");
            html.Append("<p>Achievements unlocked: ").Append(Enc(string.Join(", ", report.AchievementsUnlocked))).Append("</p>");
        }

        if (report.Fleet is { } fleet)
        {
            FleetSection(html, fleet);
        }

        html.Append("<h2>Files</h2><ul>");
        html.Append(c, $"<li>Capture: <code>{Enc(report.CapturePath ?? "none")}</code> ({report.CapturedPackets} packets, plaintext payloads; open in Wireshark)</li>");
        html.Append(c, $"<li>Data: <code>{Enc(report.JsonPath ?? "")}</code></li></ul>");
        if (report.Errors.Count + report.Warnings.Count > 0)
        {
            html.Append("<h2>Log</h2><ul>");
            foreach (string line in report.Errors.Concat(report.Warnings).Take(50))
            {
                html.Append("<li>").Append(Enc(line)).Append("</li>");
            }

            html.Append("</ul>");
        }

        return html.Append("</body></html>\n").ToString();
    }

    private static void FleetSection(StringBuilder html, Fleet.FleetReport fleet)
    {
        var c = CultureInfo.InvariantCulture;
        html.Append(c, $"<h2>Fleet</h2><p>{(fleet.Servers.Count == 0 ? "The bots played in a fleet deployed elsewhere, through its backend's session directory," : $"{fleet.Servers.Count} game-server processes registered with the backend's session directory,")} which placed each new session on the least-loaded live server. {fleet.BotsPlaying} bots were playing in a live session at the end; {fleet.FailedJoins} quick-joins were tried again.</p>");
        html.Append("<table><tr><th>server</th><th>pid</th><th>state</th><th>sessions at the end</th><th>players at the end</th><th>most sessions</th><th>mean tick ms</th><th>peak tick ms</th><th>heartbeat failures</th></tr>");
        foreach (var server in fleet.Servers)
        {
            var hosted = fleet.Sessions.Where(s => s.Server == server.Name).ToList();
            html.Append(c, $"<tr><td>{Enc(server.Name)}</td><td>{server.ProcessId}</td><td>{Enc(server.State)}</td><td>{hosted.Count}</td><td>{hosted.Sum(s => s.Players)}</td><td>{server.PeakSessions}</td><td>{server.MeanTickMs:F3}</td><td>{server.PeakTickMs:F3}</td><td>{server.HeartbeatFailures}</td></tr>");
        }

        html.Append("</table><h3>Sessions at the end</h3><table><tr><th>session</th><th>server</th><th>players</th></tr>");
        foreach (var session in fleet.Sessions)
        {
            html.Append(c, $"<tr><td>{Enc(session.SessionId)}</td><td>{Enc(session.Server)}</td><td>{session.Players}/{session.MaxPlayers}</td></tr>");
        }

        html.Append("</table>");
        if (fleet.ServerNamesMissing is { } missing)
        {
            html.Append(c, $"<p>Game servers are shown by id: {Enc(missing)}.</p>");
        }
        if (fleet.Ends is { } ends)
        {
            html.Append(c, $"<p>{Enc(ends.Describe())}.</p>");
        }
        if (fleet.Chaos is { } chaos)
        {
            html.Append(c, $"<h2>Chaos: {Enc(chaos.Server)} killed with SIGKILL at {chaos.KilledAtSeconds:F1} s</h2><p>Its players were told why their session ended and quick-joined another; the stated time from the kill to playing again is {chaos.BudgetSeconds:F0} s. ");
            html.Append(chaos.Recovered ? "<span class=\"ok\">All recovered in time.</span></p>" : "<span class=\"bad\">Not all recovered in time.</span></p>");
            html.Append("<table><tr><th>player</th><th>told</th><th>told after</th><th>playing again after</th><th>now on</th><th></th></tr>");
            foreach (var p in chaos.Players)
            {
                html.Append(c, $"<tr><td>{Enc(p.Bot)}</td><td>{Enc(p.Reason ?? "nothing")}</td><td>{(p.ToldAfterSeconds is { } t ? t.ToString("F2", c) + " s" : "never")}</td><td>{(p.PlayingAgainAfterSeconds is { } b ? b.ToString("F2", c) + " s" : "never")}</td><td>{Enc(p.NewServer ?? "")}</td><td>{(p.Recovered ? "<span class=\"ok\">✓</span>" : "<span class=\"bad\">✗</span>")}</td></tr>");
            }

            html.Append("</table>");
        }
    }

    private static void Card(StringBuilder html, string value, string label) =>
        html.Append("<div class=\"card\"><b>").Append(Enc(value)).Append("</b><span>").Append(Enc(label)).Append("</span></div>");

    private static string Enc(string text) => WebUtility.HtmlEncode(text);
}

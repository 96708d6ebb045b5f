using System.Globalization;
using Demo.Fleet;
using Demo.Run;
using Demo.Telemetry;

namespace Demo.Console;

/// <summary>Plain text lines, one status line a second: for logs, CI, redirected output and tests.</summary>
public sealed class HeadlessView(TextWriter output) : IDemoView
{
    private readonly Lock gate = new();
    private int lastPrintedSecond = -1;

    /// <inheritdoc />
    public Task RunAsync(Func<Task> play) => play();

    /// <inheritdoc />
    public void Show(TelemetrySample sample, string phase)
    {
        int second = (int)sample.Seconds;
        if (second == lastPrintedSecond)
        {
            return;
        }

        lastPrintedSecond = second;
        var connected = sample.Clients.Where(c => c.Connected).ToList();
        string rtt = connected.Count == 0 ? "-" : connected.Average(c => c.RoundTripMs).ToString("F0", CultureInfo.InvariantCulture);
        string loss = connected.Count == 0 ? "-" : connected.Average(c => c.LossPercent).ToString("F1", CultureInfo.InvariantCulture);
        Line(string.Create(CultureInfo.InvariantCulture,
            $"[{sample.Seconds,5:F1}s] {phase,-8} clients {connected.Count}/{sample.Clients.Count}  rtt {rtt} ms  loss {loss}%  " +
            $"server tick {(sample.ServerSystems.Count == 0 ? "n/a" : sample.ServerTickMs.ToString("F2", CultureInfo.InvariantCulture) + " ms")}  out {sample.ServerKilobytesOutPerSecond:F1} KB/s  in {sample.ServerKilobytesInPerSecond:F1} KB/s  " +
            $"entities {sample.ReplicatedEntities} (rocks {sample.Asteroids}, bullets {sample.Bullets}, ships {sample.Ships})  " +
            $"corrections {sample.Clients.Sum(c => c.Corrections)}  snapshots {sample.SnapshotsPerSecond:F0}/s {(sample.SnapshotsPerSecond > 0 ? sample.SnapshotBytesPerSecond / sample.SnapshotsPerSecond : 0):F0} B each  " +
            $"kbit/s {ComponentRates(sample)}"));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Prints nothing while no server is known: bots of a fleet deployed elsewhere (<c>--backend URL</c>) see no
    /// processes of their own, and a bare <c>fleet</c> line every second said nothing but looked like a lost table.
    /// </remarks>
    public void ShowFleet(IReadOnlyList<FleetServerRow> servers)
    {
        if (servers.Count == 0)
        {
            return;
        }

        Line("fleet  " + string.Join("  |  ", servers.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.Name} {s.State} sessions {s.Sessions} players {s.Players} tick {s.TickMs:F2} ms"))));
    }

    /// <inheritdoc />
    public void Message(string line) => Line(line);

    private static string ComponentRates(TelemetrySample sample) =>
        sample.ComponentBits.Count == 0
            ? "-"
            : string.Join(" ", sample.ComponentBits.Where(r => r.BitsPerSecond > 0)
                .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Name} {r.BitsPerSecond / 1000:F1}")));

    /// <inheritdoc />
    public void Summary(RunReport report)
    {
        foreach (string line in SummaryText.Lines(report))
        {
            Line(line);
        }
    }

    private void Line(string text)
    {
        lock (gate)
        {
            output.WriteLine(text);
            output.Flush();
        }
    }
}

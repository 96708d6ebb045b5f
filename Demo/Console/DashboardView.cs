using System.Globalization;
using Demo.Fleet;
using Demo.Run;
using Demo.Telemetry;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Demo.Console;

/// <summary>The live terminal dashboard (Spectre.Console): clients, server systems, entities and traffic.</summary>
public sealed class DashboardView(DemoOptions options) : IDemoView
{
    private readonly Lock gate = new();
    private readonly Queue<string> messages = new();
    private LiveDisplayContext? live;
    private TelemetrySample? latest;
    private IReadOnlyList<FleetServerRow>? fleet;
    private string phase = "start";

    /// <inheritdoc />
    public async Task RunAsync(Func<Task> play)
    {
        await AnsiConsole.Live(Render())
            .AutoClear(false)
            .Overflow(VerticalOverflow.Ellipsis)
            .Cropping(VerticalOverflowCropping.Bottom)
            .StartAsync(async context =>
            {
                live = context;
                try
                {
                    await play();
                }
                finally
                {
                    live = null;
                }
            });
    }

    /// <inheritdoc />
    public void Show(TelemetrySample sample, string currentPhase)
    {
        latest = sample;
        phase = currentPhase;
        Refresh();
    }

    /// <inheritdoc />
    public void ShowFleet(IReadOnlyList<FleetServerRow> servers)
    {
        fleet = servers;
        Refresh();
    }

    /// <inheritdoc />
    public void Message(string line)
    {
        lock (gate)
        {
            messages.Enqueue($"{DateTime.Now:HH:mm:ss} {line}");
            while (messages.Count > 6)
            {
                messages.Dequeue();
            }
        }

        Refresh();
    }

    /// <inheritdoc />
    public void Summary(RunReport report)
    {
        foreach (string line in SummaryText.Lines(report))
        {
            AnsiConsole.MarkupLine(line.StartsWith("result: OK", StringComparison.Ordinal) ? $"[green bold]{Markup.Escape(line)}[/]"
                : line.StartsWith("result:", StringComparison.Ordinal) ? $"[red bold]{Markup.Escape(line)}[/]"
                : Markup.Escape(line));
        }
    }

    private void Refresh()
    {
        // Messages come from logger callbacks on other threads too; one render at a time.
        lock (gate)
        {
            if (live is { } context)
            {
                context.UpdateTarget(Render());
            }
        }
    }

    private IRenderable Render()
    {
        var c = CultureInfo.InvariantCulture;
        var sample = latest;
        var header = new Markup(string.Create(c,
            $"[bold]Traktor.Ecs.Net demo[/]  [grey]{options.Mode}[/]  phase [yellow]{phase}[/]  t = {sample?.Seconds ?? 0:F1} s / {options.DurationSeconds:F0} s  link {options.RoundTripMs:F0} ms RTT, {options.LossPercent:F1}% loss   [grey](Ctrl+C ends early and still writes the report)[/]"));

        var clients = new Table().Border(TableBorder.Rounded).Title("clients")
            .AddColumns("client", "state", "ping ms", "loss %", "KB/s in", "KB/s out", "entities", "corrections");
        foreach (var client in sample?.Clients ?? [])
        {
            clients.AddRow(
                Markup.Escape(client.Name),
                client.Connected ? "[green]connected[/]" : "[red]offline[/]",
                client.RoundTripMs.ToString("F0", c),
                client.LossPercent.ToString("F1", c),
                client.KilobytesInPerSecond.ToString("F1", c),
                client.KilobytesOutPerSecond.ToString("F1", c),
                client.Entities.ToString(c),
                client.Corrections.ToString(c));
        }

        var systems = new Table().Border(TableBorder.Rounded).Title("server tick per system")
            .AddColumns("system", "ms / tick", "bytes alloc / tick");
        var chart = new BarChart().Width(46).Label("ms per tick");
        int color = 0;
        foreach (var system in sample?.ServerSystems ?? [])
        {
            systems.AddRow(Markup.Escape(system.Name), system.Milliseconds.ToString("F3", c), system.AllocatedBytes.ToString("F0", c));
            chart.AddItem(system.Name, Math.Round(system.Milliseconds, 3), Colors[color++ % Colors.Length]);
        }

        var traffic = new Grid().AddColumn().AddColumn();
        if (sample is not null)
        {
            traffic.AddRow("entities replicated", sample.ReplicatedEntities.ToString(c));
            traffic.AddRow("rocks / bullets / ships", $"{sample.Asteroids} / {sample.Bullets} / {sample.Ships}");
            traffic.AddRow("server out / in", string.Create(c, $"{sample.ServerKilobytesOutPerSecond:F1} / {sample.ServerKilobytesInPerSecond:F1} KB/s"));
            traffic.AddRow("snapshots", string.Create(c, $"{sample.SnapshotsPerSecond:F0}/s, {(sample.SnapshotsPerSecond > 0 ? sample.SnapshotBytesPerSecond / sample.SnapshotsPerSecond : 0):F0} B each"));
            traffic.AddRow("fire RPCs", string.Create(c, $"{sample.FireRequestsPerSecond:F1}/s"));
            foreach (var rate in sample.ComponentBits)
            {
                traffic.AddRow(Markup.Escape($"bits/s {rate.Name}"), string.Create(c, $"{rate.BitsPerSecond / 1000:F1} kbit/s"));
            }
            traffic.AddRow("server tick total", string.Create(c, $"{sample.ServerTickMs:F3} ms"));
        }

        string log;
        lock (gate)
        {
            log = messages.Count == 0 ? "[grey]…[/]" : string.Join("\n", messages.Select(Markup.Escape));
        }

        // Spectre's bar chart cannot render without items (before the server's first sample).
        IRenderable tickChart = chart.Data.Count > 0 ? chart : new Markup("[grey]waiting for the first server tick …[/]");
        if (fleet is { } servers)
        {
            // A fleet run has no server in this process: the game servers are child processes, shown by their status lines.
            var table = new Table().Border(TableBorder.Rounded).Title("game-server processes")
                .AddColumns("server", "pid", "state", "sessions", "players", "tick ms", "mean tick ms", "peak tick ms", "heartbeat failures");
            foreach (var server in servers)
            {
                string state = server.State == "live" ? "[green]live[/]" : server.State == "killed" ? "[red]killed[/]" : Markup.Escape(server.State);
                table.AddRow(Markup.Escape(server.Name), server.ProcessId.ToString(c), state, server.Sessions.ToString(c), server.Players.ToString(c),
                    server.TickMs.ToString("F3", c), server.MeanTickMs.ToString("F3", c), server.PeakTickMs.ToString("F3", c), server.HeartbeatFailures.ToString(c));
            }

            return new Rows(header, clients, table, new Panel(new Markup(log)).Header("events").Border(BoxBorder.Rounded));
        }

        return new Rows(
            header,
            clients,
            new Columns(systems, new Panel(tickChart).Header("tick time").Border(BoxBorder.Rounded)),
            new Columns(new Panel(traffic).Header("world and traffic").Border(BoxBorder.Rounded), new Panel(new Markup(log)).Header("events").Border(BoxBorder.Rounded)));
    }

    private static readonly Color[] Colors = [Color.SteelBlue, Color.Orange1, Color.Red, Color.Aqua, Color.Green, Color.Yellow, Color.Violet];
}

using System.Diagnostics;
using Demo.Bots;
using Demo.Console;
using Demo.Game;
using Demo.Online;
using Demo.Telemetry;

namespace Demo.Run;

/// <summary>
/// Ticks the server and the bots at 60 Hz of wall time, on one thread, and samples telemetry twice a
/// second. The library never sleeps on its own; pacing is this loop's job.
/// </summary>
public sealed class GameLoop(ArenaServer? server, IReadOnlyList<BotClient> bots, ArenaOnline? online, TelemetryRecorder recorder, IDemoView view)
{
    private const float DeltaTime = 1f / Arena.TickRate;
    private const double SampleInterval = 0.5;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private double nextTickAt;
    private double nextSampleAt;

    /// <summary>The live browser profiler, sampled after every tick (it takes a sample every 250 ms).</summary>
    public Traktor.Ecs.Net.LiveProfiler? Profiler { get; init; }

    /// <summary>Seconds since the loop was created.</summary>
    public double Seconds => clock.Elapsed.TotalSeconds;

    /// <summary>Ticks for <paramref name="seconds"/>, or until <paramref name="done"/> holds or the run is cancelled.</summary>
    /// <returns>True when <paramref name="done"/> was met.</returns>
    public bool Run(double seconds, string phase, Func<bool>? done, CancellationToken cancellationToken)
    {
        double until = Seconds + seconds;
        nextTickAt = Math.Max(nextTickAt, Seconds);
        while (Seconds < until && !cancellationToken.IsCancellationRequested)
        {
            if (done?.Invoke() == true)
            {
                return true;
            }

            Tick();
            Profiler?.Sample();
            if (Seconds >= nextSampleAt)
            {
                nextSampleAt = Seconds + SampleInterval;
                view.Show(recorder.Sample(Seconds), phase);
            }

            nextTickAt += 1.0 / Arena.TickRate;
            double wait = nextTickAt - Seconds;
            if (wait > 0.001)
            {
                Thread.Sleep(TimeSpan.FromSeconds(wait));
            }
            else if (wait < -0.25)
            {
                // Far behind (a debugger pause, a starved machine): skip ahead instead of racing to catch up.
                nextTickAt = Seconds;
            }
        }

        return done?.Invoke() == true;
    }

    private void Tick()
    {
        foreach (var bot in bots)
        {
            bot.Tick(DeltaTime);
        }

        if (server is not null)
        {
            server.Tick(DeltaTime);
            if (online is not null)
            {
                online.OnKills(server.Match.Kills);
            }
            else
            {
                server.Match.Kills.Clear();
            }
        }
    }
}

using Demo.Fleet;
using Demo.Run;
using Demo.Telemetry;

namespace Demo.Console;

/// <summary>How the run presents itself: a live dashboard on a terminal, plain lines otherwise.</summary>
public interface IDemoView
{
    /// <summary>Runs <paramref name="play"/> while presenting it.</summary>
    Task RunAsync(Func<Task> play);

    /// <summary>Shows the newest sample; <paramref name="phase"/> says what the run is doing.</summary>
    void Show(TelemetrySample sample, string phase);

    /// <summary>Shows the fleet's game-server processes (<c>--servers</c>): sessions, players and tick time per server. A view without a fleet panel ignores it.</summary>
    void ShowFleet(IReadOnlyList<FleetServerRow> servers)
    {
    }

    /// <summary>Shows one notable event (a connection, a warning, a step of the run).</summary>
    void Message(string line);

    /// <summary>Prints the end-of-run summary.</summary>
    void Summary(RunReport report);
}

using System.Globalization;
using Traktor.Ecs.Net.Sessions;

namespace Demo.Fleet;

/// <summary>
/// The last line a <c>--game-server</c> prints once its host has completed, and its exit code: <c>drained</c> (0),
/// <c>drain-timed-out</c> (0: it ended its sessions itself) or <c>drain-abandoned … reason=backend-unreachable</c> (3).
/// Operators and the process tests read it (docs/DEPLOY.md), so it is built apart from the loop that prints it.
/// </summary>
internal static class GameServerExitLine
{
    /// <summary>The line for <paramref name="host"/>'s completion and the process's exit code.</summary>
    /// <param name="host">A host whose <see cref="GameServerHost.Completion"/> has finished.</param>
    /// <param name="options">The command line (the timeouts the line names).</param>
    public static (string Line, int ExitCode) For(GameServerHost host, DemoOptions options)
    {
        string deregistered = host.State == GameServerState.Gone ? "true" : "false";
        if (host.Exit == GameServerExit.BackendUnreachable)
        {
            // The backend never answered the drain: the sessions still hosted end here (announced only if the last deregistration got through).
            var abandoned = host.AbandonedSessions;
            return (string.Create(CultureInfo.InvariantCulture,
                $"drain-abandoned server={host.ServerId} reason=backend-unreachable timeout-s={options.DrainTimeoutSeconds} sessions={abandoned.Count} players={abandoned.Sum(s => s.Connected.Count)} ids={string.Join(',', abandoned.Select(s => s.SessionId))} deregistered={deregistered} unopened={string.Join(',', host.AbandonedUnopenedSessions)}"), 3);
        }

        if (host.Exit == GameServerExit.DrainTimedOut)
        {
            // Its sessions outlived --drain-sessions-timeout: they were ended here (their players told at once), an orderly end.
            var ended = host.AbandonedSessions;
            return (string.Create(CultureInfo.InvariantCulture,
                $"drain-timed-out server={host.ServerId} timeout-s={options.DrainSessionsTimeoutSeconds} sessions={ended.Count} players={ended.Sum(s => s.Connected.Count)} ids={string.Join(',', ended.Select(s => s.SessionId))} deregistered={deregistered} unopened={string.Join(',', host.AbandonedUnopenedSessions)}"), 0);
        }

        return ($"drained server={host.ServerId}", 0);
    }
}

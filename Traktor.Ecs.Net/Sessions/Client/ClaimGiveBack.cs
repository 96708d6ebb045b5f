using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net;

/// <summary>
/// A player whose migration stopped (it left, or its game disposed the facade or unloaded the script) after it claimed the
/// session gives a claim whose answer was lost back, shared by <see cref="Multiplayer"/> and Lua's <c>multiplayer</c>: the
/// directory may have granted it, and the next successor then need not wait out this player's silence. A claim answered
/// with the grant is given back by <see cref="HostMigrationDriver"/> itself (it awaits a claim in flight rather than cutting
/// it short); nothing is sent when the directory refused the claim.
/// </summary>
internal static class ClaimGiveBack
{
    /// <summary>Awaits <paramref name="claim"/> and, when its answer was lost, gives the session back within <paramref name="releaseWait"/>.</summary>
    /// <param name="claim">This player's last claim of the session (its answer is awaited: it is bounded by the driver's claim wait).</param>
    /// <param name="directory">The directory.</param>
    /// <param name="session">The session.</param>
    /// <param name="me">This player.</param>
    /// <param name="releaseWait">How long the give-back may take.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <returns>A task that completes once the claim was answered and, if needed, the session given back (or the give-back failed, logged).</returns>
    public static async Task RunAsync(Task<PlayerHostGrant> claim, IPlayerHostedSessions directory, SessionId session, long me, TimeSpan releaseWait,
        TimeProvider time, ILogger logger)
    {
        try
        {
            await claim.ConfigureAwait(false);
            return; // the directory answered with the grant: the migration, stopped, gives it back itself (HostMigrationDriver)
        }
        catch (OnlineException)
        {
            return; // the directory refused it: this player holds nothing
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Cut short or its answer lost: the directory may still have granted it; the release below says.
        }

        using var timeout = new CancellationTokenSource(releaseWait, time);
        try
        {
            if (await directory.ReleaseHostAsync(session, me, timeout.Token).ConfigureAwait(false))
            {
                logger.LogInformation("Gave session {Session} back to the directory: this player quit before hosting it.", session);
            }
        }
        catch (Exception exception) when (exception is OnlineException or HttpRequestException or OperationCanceledException)
        {
            logger.LogDebug(exception, "Did not give session {Session} back (this player was not its host, or the directory did not answer).", session);
        }
    }
}

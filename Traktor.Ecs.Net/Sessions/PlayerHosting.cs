using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Hosting a session on the player's own game, as the engine's <c>createSession(name, max, "player")</c> does, shared by
/// <see cref="Multiplayer.CreateSessionAsync(SessionOptions, SessionHostKind, CancellationToken)"/> and Lua's
/// <c>multiplayer:createSession</c>, so both create the session and start the game's listen server the same way.
/// </summary>
public static class PlayerHosting
{
    /// <summary>The longest wait for the directory to take back the seat of a host whose start failed (on the caller's clock).</summary>
    private static readonly TimeSpan LeaveWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Creates a session hosted by <paramref name="hostUserId"/> as
    /// <see cref="CreateSessionAsync(ISessions, SessionOptions, long, Func{PlayerHostGrant, CancellationToken, Task}, TimeProvider?, CancellationToken)"/>
    /// does, the leave after a failed start waiting on the system clock. (The signature of the first release, kept so
    /// callers built against it run on: the clock came as another overload.)
    /// </summary>
    /// <param name="sessions">The directory; it must implement <see cref="IPlayerHostedSessions"/> (<see cref="HttpSessions"/> does).</param>
    /// <param name="options">Name, capacity (the host included), visibility and properties.</param>
    /// <param name="hostUserId">The hosting player.</param>
    /// <param name="start">Starts the game's listen server with the grant; it completes once it serves.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The grant: the session with the host seated, its key and rendezvous.</returns>
    /// <exception cref="NotSupportedException">The directory does not offer player-hosted sessions.</exception>
    /// <exception cref="OnlineException">The directory refused (<see cref="OnlineError.QuotaExceeded"/>, …).</exception>
    public static Task<PlayerHostGrant> CreateSessionAsync(this ISessions sessions, SessionOptions options, long hostUserId,
        Func<PlayerHostGrant, CancellationToken, Task> start, CancellationToken cancellationToken = default) =>
        CreateSessionAsync(sessions, options, hostUserId, start, null, cancellationToken);

    /// <summary>
    /// Creates a session hosted by <paramref name="hostUserId"/> (<see cref="IPlayerHostedSessions.CreatePlayerHostedSessionAsync"/>),
    /// then lets <paramref name="start"/> start the listen server with the directory's grant (its session key and rendezvous).
    /// When the start fails or is cancelled, the host leaves the session again, which ends it: a session nobody serves is not
    /// left in the directory for others to join. That leave waits at most 10 s on <paramref name="time"/>. A cancel while the
    /// directory creates the session does not cut its request short (an answer lost on its way would leave a session made
    /// live, its host seated): the answer is awaited for at most 10 s more, and a session it names is left again the same
    /// way before the cancellation is thrown.
    /// </summary>
    /// <param name="sessions">The directory; it must implement <see cref="IPlayerHostedSessions"/> (<see cref="HttpSessions"/> does).</param>
    /// <param name="options">Name, capacity (the host included), visibility and properties.</param>
    /// <param name="hostUserId">The hosting player.</param>
    /// <param name="start">Starts the game's listen server with the grant; it completes once it serves.</param>
    /// <param name="time">The clock the leave after a failed start waits on (as the caller's other waits do); the system clock when null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The grant: the session with the host seated, its key and rendezvous.</returns>
    /// <exception cref="NotSupportedException">The directory does not offer player-hosted sessions.</exception>
    /// <exception cref="OnlineException">The directory refused (<see cref="OnlineError.QuotaExceeded"/>, …).</exception>
    public static async Task<PlayerHostGrant> CreateSessionAsync(this ISessions sessions, SessionOptions options, long hostUserId,
        Func<PlayerHostGrant, CancellationToken, Task> start, TimeProvider? time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(start);
        var directory = sessions as IPlayerHostedSessions
            ?? throw new NotSupportedException("The session directory does not offer player-hosted sessions.");
        var clock = time ?? TimeProvider.System;
        var grant = await AskAsync(directory, sessions, options, hostUserId, clock, cancellationToken).ConfigureAwait(false);
        try
        {
            await start(grant, cancellationToken).ConfigureAwait(false);
            return grant;
        }
        catch
        {
            // Nobody serves the session: the host leaves it, which ends it (listed until the host's seat went idle, it would
            // seat joiners in a session no server would ever admit them to).
            await LeaveAsync(sessions, grant.Session.Id, hostUserId, clock).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The directory's create, run to its answer whatever the caller does: once the caller stopped waiting (cancelled, or a
    /// facade disposed), for at most <see cref="LeaveWait"/> more, and a session it made then is left again (which ends it)
    /// before the cancellation is thrown. Cancelling the call itself would not do: a directory that had made the session by
    /// then (an HTTP answer on its way) would keep it live with its host seated, and nobody would serve it or leave it.
    /// </summary>
    private static async Task<PlayerHostGrant> AskAsync(IPlayerHostedSessions directory, ISessions sessions, SessionOptions options, long hostUserId,
        TimeProvider time, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var answerWindow = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        PlayerHostGrant grant;
        using (cancellationToken.Register(static window => ((CancellationTokenSource)window!).CancelAfter(LeaveWait), answerWindow))
        {
            try
            {
                grant = await directory.CreatePlayerHostedSessionAsync(options, hostUserId, answerWindow.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (answerWindow.IsCancellationRequested)
            {
                // No answer within the window: a session made meanwhile ends once its host never publishes an address.
                throw new OperationCanceledException(cancellationToken);
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            await LeaveAsync(sessions, grant.Session.Id, hostUserId, time).ConfigureAwait(false);
            throw new OperationCanceledException(cancellationToken);
        }

        return grant;
    }

    /// <summary>The host leaves a session nobody will serve, which ends it (within <see cref="LeaveWait"/>); never throws the expected failures.</summary>
    private static async Task LeaveAsync(ISessions sessions, SessionId session, long hostUserId, TimeProvider time)
    {
        // On the caller's clock, as its other waits are, so a game's or a test's own clock decides it.
        using var bounded = new CancellationTokenSource(LeaveWait, time);
        try
        {
            await sessions.LeaveSessionAsync(session, hostUserId, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception leave) when (leave is OnlineException or HttpRequestException or OperationCanceledException)
        {
            // The directory ends it once the host's seat is idle; the start's failure (or the cancel) is what the caller hears.
        }
    }
}

using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>Joining: one session operation at a time, a seat taken, then the connection to the session made on the tick thread.</summary>
public sealed partial class Multiplayer
{
    private Task<SessionInfo> JoinAsync(Func<long, CancellationToken, Task<SessionJoinResult>> join, CancellationToken cancellationToken, SessionId? target = null) =>
        OperationAsync(token => JoinUnderLockAsync(join, token, target), cancellationToken);

    /// <summary>The join, one session call at a time; <paramref name="cancellationToken"/> is the caller's cancel and <see cref="Dispose"/>.</summary>
    private async Task<SessionInfo> JoinUnderLockAsync(Func<long, CancellationToken, Task<SessionJoinResult>> join, CancellationToken cancellationToken, SessionId? target)
    {
        RefuseWhileHosting();
        long user = await LogInAsync(cancellationToken).ConfigureAwait(false);
        // From here until the directory answered, a session's end noticed meanwhile waits: this join may move the player
        // on (no end to report) or take the very seat the end would give back (a rejoin).
        BeginSeating();
        SessionJoinResult result;
        try
        {
            await AfterSeatReturnAsync(cancellationToken).ConfigureAwait(false);
            result = await join(user, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && target is { } asked && current?.Id != asked)
        {
            // The directory may have seated the player before the call was cancelled (a join that waited for a player
            // host's address took the seat with its first ask): give it back.
            SeatingFailed();
            await GiveSeatBackAsync(asked, user).ConfigureAwait(false);
            throw;
        }
        catch
        {
            SeatingFailed();
            throw;
        }

        if (!result.Succeeded || result.ConnectInfo is null || result.Session is null)
        {
            SeatingFailed();
            throw new SessionJoinException(result.Status, result.Session?.EndReason ?? SessionEndReason.None, null,
                $"The directory refused the join: {result.Status}.");
        }

        // The seat moved here: the previous session's connection (if any) ends as a departure, not as a lost session,
        // and an end of it being explained stops without a report.
        SeatMoved();
        migrating?.Stop();
        var done = new TaskCompletionSource<SessionInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        var info = result.ConnectInfo;
        var session = result.Session;
        onTick.Enqueue(() =>
        {
            connected = false;
            migrating = null;
            roster.Clear(); // a new session: everyone in it is announced
            ReplicaTakeover.DropKeptEntities(client);
            FinishEnding();
            endScreen.Drop(client.World); // the last session's end screen: the new session's snapshots bring its own world
            connecting?.Done.TrySetCanceled();
            connecting = null;
            if (done.Task.IsCompleted)
            {
                client.Transport.Disconnect(); // cancelled before it started: no connection to this session either
                return;
            }

            try
            {
                // A player host behind a NAT is introduced first (options.Traversal), a game server connected to at once.
                replica.Clear(); // the owners a host sends arrive once connected (maybe in the tick that completes the join)
                connecting = new Connecting(session, done, SessionConnector.Start(client.Transport, info, options.Traversal, options.JoinWait, time));
            }
            catch (Exception exception)
            {
                // Whatever refused the start (a join answer the traversal rejects) fails this join, not the tick thread.
                logger.LogWarning(exception, "Could not start connecting to session {Session}.", session.Id);
                done.TrySetException(exception);
            }
        });
        FailUnlessTicked(done.Task, done.TrySetException);
        try
        {
            using (cancellationToken.Register(() => done.TrySetCanceled(cancellationToken)))
            {
                return await done.Task.ConfigureAwait(false);
            }
        }
        catch (Exception) when (done.Task.IsFaulted)
        {
            // The directory seated the player but the connection failed (its server or host never answered, or cut the
            // handshake; the introducer could not reach the host; nothing ticks the facade, FailUnlessTicked): the seat goes
            // back at once, that seat only, in every one of these cases: otherwise a SessionJoinException would leave the
            // player a member of a session it never reached until the directory's idle sweep, and a retry would be AlreadyMember.
            // The tick that failed it left no connection going (it failed, was never introduced, or never started).
            await GiveSeatBackAsync(session.Id, user, SeatGiveBack.GrantOf(session, user)).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException) when (done.Task.IsCanceled)
        {
            // Cancelled while connecting: a connection left going in the background would put the player in the session
            // after the call said it was cancelled. Abandon the attempt on the tick thread (before any later call's work,
            // which queues behind it), and give the seat back.
            onTick.Enqueue(() =>
            {
                if (connecting?.Done == done)
                {
                    connecting = null;
                }

                client.Transport.Disconnect();
            });
            await GiveSeatBackAsync(session.Id, user, SeatGiveBack.GrantOf(session, user)).ConfigureAwait(false);
            throw;
        }
    }

    private sealed record Connecting(SessionInfo Session, TaskCompletionSource<SessionInfo> Done, SessionConnector Connector)
    {
        /// <summary>The host migration this connection completes, or null for a join.</summary>
        public MigrationAttempt? Migration { get; init; }
    }
}

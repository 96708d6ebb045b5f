using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>Hosting: a session whose server is this player's game (<see cref="SessionHostKind.Player"/>).</summary>
public sealed partial class Multiplayer
{
    /// <summary>
    /// The listen server of the session this player hosts (<see cref="CreateSessionAsync(SessionOptions, SessionHostKind, CancellationToken)"/>
    /// with <see cref="SessionHostKind.Player"/>), or null: the game's host-side code (<see cref="HostInputs{TInput, TSerializer}"/>,
    /// <see cref="NetworkHost.SendRpc{T}"/>) uses it; the player's own connection is <see cref="NetworkHost.LocalConnection"/>.
    /// </summary>
    public NetworkHost? Host => hosted?.Host;

    /// <summary>
    /// True while the session this player hosted and ended (<see cref="LeaveSessionAsync"/>, or the directory ended it)
    /// still delivers its final world: from the leave's return (or the tick that saw the directory's end) until every
    /// remote player holds that world and was let go with <see cref="DisconnectReason.SessionEnded"/>, or
    /// <see cref="SessionRelay.EndDeliveryWait"/> ran out. Keep ticking the facade while it is true before you stop the loop
    /// and <see cref="Dispose"/> it: a dispose meanwhile tells the players at once, after one last snapshot that is not
    /// repeated. False for a player that did not host. Any thread.
    /// </summary>
    public bool IsDeliveringEnd => endQueued || endingHost is not null;

    /// <summary>
    /// Raised on the tick thread, after the session this player hosted ended (<see cref="IsDeliveringEnd"/>), for each remote
    /// player whose connection closes while the final world is delivered: let go with <see cref="DisconnectReason.SessionEnded"/>
    /// (<see cref="PlayerReleasedAfterEndEvent.HeldFinalWorld"/>: it holds the final world, or the wait ran out), or gone first.
    /// The host's <see cref="NetworkServer.ClientDisconnected"/> is held back then (its world is this player's end screen), so
    /// this is where a game learns "bob has seen the result and left". Players still connected when the facade is disposed or
    /// plays again before the delivery is over are told at once and raise nothing.
    /// </summary>
    public event Action<PlayerReleasedAfterEndEvent>? PlayerReleasedAfterEnd;

    /// <summary>Forwards the hosted server's <see cref="NetworkServer.PlayerReleasedAfterEnd"/> (attached as it starts serving).</summary>
    private void OnPlayerReleased(PlayerReleasedAfterEndEvent released) => PlayerReleasedAfterEnd?.Invoke(released);

    /// <summary>
    /// Creates a session served by a game server of the fleet (<see cref="SessionHostKind.DedicatedServer"/>, as
    /// <see cref="CreateSessionAsync(SessionOptions, CancellationToken)"/>) or by this player's game
    /// (<see cref="SessionHostKind.Player"/>, Lua's <c>multiplayer:createSession(name, max, "player")</c>). Hosting, the
    /// directory seats the player and gives it the session's key and rendezvous (<c>PlayerHosting.CreateSessionAsync</c> (<see cref="PlayerHosting"/>),
    /// shared with Lua); on the tick thread a <see cref="NetworkHost"/> then serves on <see cref="MultiplayerOptions.Hosting"/>'s
    /// socket, opening only the connect tokens the directory seals for this session, with the player as its local player
    /// (client id = its user id) and the game's <see cref="MultiplayerHosting.Systems"/> around it; the socket's
    /// <see cref="NatTraversal"/> registers the rendezvous with its introducer, and the directory is told the public address and
    /// the connected players every heartbeat. Hosting ends with <see cref="LeaveSessionAsync"/> or <see cref="Dispose"/>
    /// (the remote players are disconnected with <see cref="DisconnectReason.SessionEnded"/>, and the directory ends the
    /// session with <see cref="SessionEndReason.Ended"/>, which their <see cref="SessionEnded"/> says), when the directory ends
    /// the session (<see cref="SessionEnded"/> says why), or when a successor took the session over while this host could not
    /// reach the directory (<see cref="SessionEnded"/> with <see cref="SessionEndReason.HostReplaced"/>; its remaining players
    /// are disconnected with <see cref="DisconnectReason.HostGaveWay"/> and migrate to the successor).
    /// </summary>
    /// <param name="session">Name, capacity (the host included), visibility, properties.</param>
    /// <param name="host">Who serves it.</param>
    /// <param name="cancellationToken">Cancels the call; a session created meanwhile is left again (which ends it).</param>
    /// <returns>The session, once connected to its game server, or once this player's server serves it.</returns>
    /// <exception cref="InvalidOperationException">Hosting without <see cref="MultiplayerOptions.Hosting"/>, or while in a session
    /// (leave it first, as Lua's <c>createSession</c> says).</exception>
    /// <exception cref="NotSupportedException">The directory does not offer player-hosted sessions (<see cref="IPlayerHostedSessions"/>).</exception>
    public async Task<SessionInfo> CreateSessionAsync(SessionOptions session, SessionHostKind host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (host != SessionHostKind.Player)
        {
            return await CreateSessionAsync(session, cancellationToken).ConfigureAwait(false);
        }

        var hosting = options.Hosting ?? throw new InvalidOperationException("This game cannot host sessions: MultiplayerOptions.Hosting is not set.");
        var directory = sessions as IPlayerHostedSessions ?? throw new NotSupportedException("The session directory does not offer player-hosted sessions.");
        if (!HostedSession.CanPublish(hosting.Socket))
        {
            throw new InvalidOperationException(
                $"MultiplayerHosting.Socket is bound to {hosting.Socket.LocalAddress}, which joiners cannot reach: bind it to a specific address, or use a NatTraversal.");
        }

        return await OperationAsync(async token =>
        {
            RefuseWhileHosting();
            if (current is { } already)
            {
                throw new InvalidOperationException($"Already in session {already.Id}: LeaveSessionAsync first.");
            }

            long user = await LogInAsync(token).ConfigureAwait(false);
            await AfterSeatReturnAsync(token).ConfigureAwait(false);
            var grant = await sessions.CreateSessionAsync(session, user, (grant, starting) => StartHostingAsync(grant, hosting, directory, user, starting),
                time, token).ConfigureAwait(false);
            current = grant.Session;
            logger.LogInformation("Player {Player} hosts session {Session}.", user, grant.Session.Id);
            return grant.Session;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the listen server on the tick thread; completes once it serves (or stops it again when cancelled meanwhile).</summary>
    private async Task StartHostingAsync(PlayerHostGrant grant, MultiplayerHosting hosting, IPlayerHostedSessions directory, long user, CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        onTick.Enqueue(() =>
        {
            if (started.Task.IsCompleted)
            {
                return; // cancelled before the tick came
            }

            try
            {
                FinishEnding(repeatNotices: false); // the socket is this session's now
                EndRepeats();
                endScreen.Drop(client.World); // the last session's end screen: the new host numbers a clean world
                var running = HostedSession.Start(grant, hosting, client, directory, user, time, logger);
                if (started.TrySetResult())
                {
                    connected = false;
                    client.Transport.Disconnect();
                    roster.Clear(); // a new session: everyone in it is announced
                    hosted = running;
                    running.Host.Server.PlayerReleasedAfterEnd += OnPlayerReleased;
                }
                else
                {
                    running.Stop(DisconnectReason.SessionEnded); // cancelled meanwhile
                }
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Could not start hosting session {Session}.", grant.Session.Id);
                started.TrySetException(exception);
            }
        });
        FailUnlessTicked(started.Task, started.TrySetException);
        using (cancellationToken.Register(() => started.TrySetCanceled(cancellationToken)))
        {
            await started.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The hosting part of a tick: the host's receive, unless the directory said the session is over (it ended it, or gave
    /// it up as idle): then the server stops and <see cref="SessionEnded"/> follows with the directory's reason; or that a
    /// successor hosts it now: then the server stops (its players go on to the successor) and <see cref="SessionEnded"/> says
    /// <see cref="SessionEndReason.HostReplaced"/>.
    /// </summary>
    private void UpdateHosting(HostedSession hosting, in float state)
    {
        if (hosting.Entry.Live)
        {
            hosting.BeforeUpdate(in state);
            return;
        }

        if (hosting.Entry.Replaced)
        {
            logger.LogWarning("Another player hosts session {Session} now; this host stops serving.", hosting.Session.Id);
            StopHosting(DisconnectReason.HostGaveWay); // its players migrate to the directory's host: the session goes on
            if (current is { } replaced && replaced.Id == hosting.Session.Id)
            {
                current = null;
                LastEndReason = SessionEndReason.HostReplaced;
                SessionEnded?.Invoke(replaced, SessionEndReason.HostReplaced);
            }

            return;
        }

        logger.LogWarning("The directory no longer lists session {Session} as live; its host stops serving.", hosting.Session.Id);
        StopHosting(DisconnectReason.SessionEnded, deliver: true);
        if (current is { } lost && lost.Id == hosting.Session.Id)
        {
            BeginEnd(lost, DisconnectReason.ServerShutdown, giveSeatBack: false);
        }
    }

    /// <summary>
    /// Stops serving the hosted session, if any (on the tick thread, or in <see cref="Dispose"/>), disconnecting its players
    /// with <paramref name="reason"/>: at once, or, with <paramref name="deliver"/> (the session ended, and the facade goes
    /// on ticking), once each holds the final world (<see cref="HostedSession.BeginEnd"/>), within
    /// <see cref="SessionRelay.EndDeliveryWait"/>, in the ticks that follow.
    /// </summary>
    private void StopHosting(DisconnectReason reason, bool deliver = false)
    {
        if (hosted is { } hosting)
        {
            hosted = null;
            if (deliver && reason == DisconnectReason.SessionEnded)
            {
                FinishEnding();
                endingHost = hosting;
                hosting.BeginEnd();
            }
            else
            {
                StopServing(hosting, reason);
            }

            endScreen.KeepHosted(client.World); // the host's own end screen, until it plays again
        }
    }

    /// <summary>
    /// The server of a session this player's host ended goes, its delivery done or not (a new session starts, the player
    /// leaves its end screen, or the facade is disposed): whoever is still connected is told now.
    /// </summary>
    /// <param name="repeatNotices">False when the socket is needed at once (this player hosts again): nobody is told again.</param>
    private void FinishEnding(bool repeatNotices = true)
    {
        endingDone = false;
        if (endingHost is { } ended)
        {
            endingHost = null;
            if (repeatNotices)
            {
                StopServing(ended, DisconnectReason.SessionEnded);
            }
            else
            {
                ended.Stop(DisconnectReason.SessionEnded);
            }
        }
    }

    /// <summary>
    /// Stops <paramref name="hosting"/> with <paramref name="reason"/>, its notice repeated in the ticks that follow to each
    /// player still sending on its closed connection (<see cref="HostedSession.RepeatNotices"/>): a player under heavy loss
    /// learns why rather than timing out. Not once the facade is disposed: nothing ticks it then.
    /// </summary>
    private void StopServing(HostedSession hosting, DisconnectReason reason)
    {
        bool repeat = !disposed.IsCancellationRequested;
        if (repeat)
        {
            EndRepeats(); // one server at a time on the socket
        }

        if (hosting.Stop(reason, repeat))
        {
            repeatingHost = hosting;
        }
    }

    /// <summary>This tick's read of a stopped host's socket while it repeats its notice.</summary>
    private void RepeatNotices()
    {
        if (repeatingHost is { } repeating && repeating.RepeatNotices())
        {
            repeatingHost = null;
        }
    }

    /// <summary>A stopped host's repeats end now (this player hosts on the socket again, or the facade is disposed).</summary>
    private void EndRepeats()
    {
        if (repeatingHost is { } repeating)
        {
            repeatingHost = null;
            repeating.EndNotices();
        }
    }

    private void RefuseWhileHosting()
    {
        if (hosted is { } hosting)
        {
            throw new InvalidOperationException($"This player hosts session {hosting.Session.Id}: LeaveSessionAsync first.");
        }
    }
}

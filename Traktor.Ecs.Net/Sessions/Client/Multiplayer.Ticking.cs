using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>The facade's tick: queued connects and disconnects, a pending join completed, a lost session noticed, the roster's events.</summary>
public sealed partial class Multiplayer
{
    /// <inheritdoc />
    public void Initialize()
    {
    }

    /// <summary>Connects or disconnects as asked, completes a pending join, and notices a session lost under the player.</summary>
    /// <param name="state">The frame time.</param>
    public void BeforeUpdate(in float state)
    {
        everTicked = true;
        while (onTick.TryDequeue(out var action))
        {
            action();
        }

        // Every player of the session this host ended holds its final world, or the wait is over: its server goes after
        // this tick's send, so the event entities of this tick's releases (PlayerReleasedAfterEndEvent) live through the tick.
        endingDone = endingHost is { } ended && ended.ReceiveEnding(in state);
        RepeatNotices();

        if (hosted is { } hosting)
        {
            UpdateHosting(hosting, in state);
            return;
        }

        var transport = client.Transport;
        if (connecting is { } pending)
        {
            switch (pending.Connector.Update())
            {
                case SessionConnectorState.Connected:
                    connecting = null;
                    if (pending.Done.TrySetResult(pending.Session))
                    {
                        connected = true;
                        current = pending.Session;
                        stalls.Restart(time.GetTimestamp()); // a new connection: its timeout is measured from the next tick
                        // The world outlives the connection: a player-hosted session's is what a successor hosts, and once any
                        // session is over it is the end screen's (endScreen), whether or not the session could migrate.
                        client.KeepEntitiesOnDisconnect = true;
                        if (pending.Migration is { } migration && ReferenceEquals(migrating, migration))
                        {
                            migrating = null;
                            var migrated = new HostMigration(pending.Session, migration.OldHost, pending.Session.HostUserId ?? 0, IsLocalHost: false,
                                time.GetElapsedTime(migration.StartedAt));
                            logger.LogInformation("Reached the new host {Host} of session {Session} ({Ms:F0} ms).", migrated.NewHostUserId, pending.Session.Id,
                                migrated.Duration.TotalMilliseconds);
                            HostMigrated?.Invoke(migrated);
                            RaiseLeft((ulong)migration.OldHost); // the migration is complete: the lost host is gone
                        }
                    }
                    else
                    {
                        transport.Disconnect(); // the join was cancelled meanwhile: it leaves no connection behind
                    }

                    break;
                case SessionConnectorState.Disconnected:
                    connecting = null;
                    var reason = transport.LastDisconnectReason;
                    logger.LogWarning("Could not connect to the game server of session {Session}: {Reason}.", pending.Session.Id, reason);
                    pending.Done.TrySetException(new SessionJoinException(SessionJoinStatus.Joined, SessionEndReason.None, reason,
                        $"The game server of session {pending.Session.Id} could not be reached ({reason})."));
                    break;
                case SessionConnectorState.NotIntroduced:
                    connecting = null;
                    logger.LogWarning("The host of session {Session} could not be reached through the introducer.", pending.Session.Id);
                    pending.Done.TrySetException(new SessionJoinException(SessionJoinStatus.Joined, SessionEndReason.None, null,
                        $"The host of session {pending.Session.Id} could not be reached through the introducer within {options.JoinWait.TotalSeconds:0.###} s."));
                    break;
            }

            return;
        }

        if (connected && transport.State == ClientState.Disconnected)
        {
            // The player is still in the session (CurrentSession) until SessionEnded says why it is over: were it null at
            // once, a game that checked it between the two (up to EndReasonWait) would see the player in no session with no
            // reason, and a game that joined another meanwhile would then be told the old one had ended.
            connected = false;
            if (current is { } lost)
            {
                ConnectionEnded(lost, transport.LastDisconnectReason, transport.LastDisconnectByServer);
            }
        }
        else if (connected && current is { } session && CutDuringStall(session))
        {
            // The host's Disconnect (TimedOut) was dropped or lost: the player is out as if it had come, as a MigratingPeer is.
            connected = false;
            transport.Disconnect();
            ConnectionEnded(session, DisconnectReason.TimedOut, byHost: true);
        }
    }

    /// <summary>The connection to the session's host or server ended: a migration when the session may go on without it, else the session is over for this player.</summary>
    private void ConnectionEnded(SessionInfo lost, DisconnectReason? reason, bool byHost)
    {
        lock (endGate)
        {
            if (seating > 0)
            {
                // A join's directory call is under way: it may take the very seat a give-back would free, or move the player
                // on. Decided once it is over (a join that moved the player on drops this).
                (endsAfterJoin ??= []).Add(() =>
                {
                    if (ReferenceEquals(current, lost))
                    {
                        ConnectionEnded(lost, reason, byHost);
                    }
                });
                return;
            }
        }

        if (!TryBeginMigration(lost, reason, byHost))
        {
            endScreen.KeepReplica(client); // the session's final world stays until the player plays again
            // Not after the player's own leave (from another device: LeftSession), which freed the seat.
            BeginEnd(lost, reason, giveSeatBack: reason != DisconnectReason.LeftSession);
        }
    }

    /// <summary>Raises <see cref="PlayerJoined"/> (once per player and session) and <see cref="PlayerLeft"/> for this tick's events.</summary>
    /// <param name="state">The frame time.</param>
    public void Update(in float state)
    {
        hosted?.Update(in state);
        RaisePlayerEvents();
    }

    /// <summary>While hosting, replicates to the remote players and sends.</summary>
    /// <param name="state">The frame time.</param>
    public void AfterUpdate(in float state)
    {
        hosted?.AfterUpdate(in state);
        endingHost?.SendEnding(in state);
        if (endingDone)
        {
            FinishEnding();
        }
    }

    // True in a tick whose receive found the ended host's delivery over: FinishEnding at its send.
    private bool endingDone;
}

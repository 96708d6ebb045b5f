using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net;

/// <summary>
/// One host migration going on (compared by reference), for <see cref="Multiplayer"/> and Lua's multiplayer alike: the
/// session as the player last knew it, its lost host, when it was lost, the directory as the migration calls it, and the
/// player's last claim, so a stop can give a granted claim back.
/// </summary>
internal sealed class MigrationAttempt
{
    private readonly CancellationTokenSource stopped = new();

    public MigrationAttempt(SessionInfo lost, long oldHost, long startedAt, ISessions sessions, IPlayerHostedSessions directory)
    {
        (Lost, OldHost, StartedAt) = (lost, oldHost, startedAt);

        // From a claim on the directory may name this player host: a stop gives it back (the owner's stop path reads Claim).
        Directory = new StoppableDirectory(sessions, directory) { Claimed = claim => Claim = claim };
    }

    /// <summary>The directory as the migration calls it: once <see cref="Stop"/> returned, no call of the migration starts.</summary>
    public StoppableDirectory Directory { get; }

    /// <summary>Cancelled when the player leaves the session, joins another, unloads or disposes: the migration ends at once.</summary>
    public CancellationToken Token => stopped.Token;

    /// <summary>The session as the player last knew it, with the host that was lost.</summary>
    public SessionInfo Lost { get; }

    /// <summary>The user id of the host that was lost.</summary>
    public long OldHost { get; }

    /// <summary>When the host was lost (a timestamp of the owner's clock).</summary>
    public long StartedAt { get; }

    /// <summary>This player's last claim of the session (granted or not), or null before it claimed.</summary>
    public Task<PlayerHostGrant>? Claim { get; set; }

    /// <summary>The migration's task: it completes once the migration ended and, when it stopped after a grant, gave the session back.</summary>
    public Task Run { get; set; } = Task.CompletedTask;

    /// <summary>
    /// Stops the migration: it calls the directory no more (a call it was starting meanwhile has started, and a claim among
    /// them is in <see cref="Claim"/>, once this returns), and its pending directory call and wait are cancelled. Any thread.
    /// </summary>
    public void Stop()
    {
        Directory.Stop();
        stopped.Cancel();
    }
}

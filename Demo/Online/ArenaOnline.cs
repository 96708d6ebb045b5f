using Demo.Game;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Online;

namespace Demo.Online;

/// <summary>
/// The game server's side of the online services: it defines the leaderboard and achievements, unlocks
/// achievements as kills happen (without blocking the tick), and submits the final scores authoritatively.
/// </summary>
public sealed class ArenaOnline(OnlineBackendClient serverConnection)
{
    /// <summary>The match leaderboard (best score per player).</summary>
    public const string Leaderboard = "arena-score";
    public const string FirstBlood = "first-blood";
    public const string Sharpshooter = "sharpshooter";
    public const string Survivor = "survivor";

    private readonly ILeaderboards leaderboards = new HttpLeaderboards(serverConnection);
    private readonly IAchievements achievements = new HttpAchievements(serverConnection);
    private readonly List<Task> pending = new();
    private readonly HashSet<int> bloodied = new();

    /// <summary>Achievements newly unlocked this run, as "pilot:achievement".</summary>
    public List<string> Unlocked { get; } = new();

    /// <summary>Online calls that failed (each is also an error in the run's log).</summary>
    public List<string> Failures { get; } = new();

    /// <summary>Defines the leaderboard and the achievements (idempotent: a rerun redefines the same).</summary>
    public async Task DefineAsync(CancellationToken cancellationToken)
    {
        await leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition(Leaderboard, Authoritative: true, MinScore: 0, MaxScore: 100_000), cancellationToken).ConfigureAwait(false);
        await achievements.DefineAchievementAsync(new AchievementDefinition(FirstBlood, "First blood", "Break a rock.", ServerOnly: true), cancellationToken).ConfigureAwait(false);
        await achievements.DefineAchievementAsync(new AchievementDefinition(Sharpshooter, "Sharpshooter", "Break 10 rocks.", Threshold: 10, ServerOnly: true), cancellationToken).ConfigureAwait(false);
        await achievements.DefineAchievementAsync(new AchievementDefinition(Survivor, "Survivor", "Finish a match without being wrecked.", ServerOnly: true), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Turns this tick's kills into achievement calls that run in the background.</summary>
    public void OnKills(Queue<int> kills)
    {
        while (kills.TryDequeue(out int pilotId))
        {
            if (bloodied.Add(pilotId))
            {
                Track(UnlockAsync(FirstBlood, pilotId));
            }

            Track(ProgressAsync(Sharpshooter, pilotId));
        }
    }

    /// <summary>Submits every pilot's score and unlocks "survivor" for those never wrecked; waits for all calls.</summary>
    public async Task<LeaderboardPage> FinishAsync(IReadOnlyList<PilotResult> results, string matchId, CancellationToken cancellationToken)
    {
        foreach (var result in results)
        {
            // The idempotency key makes a retried submission count once.
            Track(leaderboards.SubmitScoreAsync(new ScoreSubmission(Leaderboard, result.PilotId, result.Score, $"{matchId}-{result.PilotId}"), cancellationToken));
            if (result.Deaths == 0)
            {
                Track(UnlockAsync(Survivor, result.PilotId));
            }
        }

        await WaitAsync().ConfigureAwait(false);
        return await leaderboards.GetLeaderboardAsync(Leaderboard, 0, 10, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for the background calls, recording failures instead of throwing.</summary>
    public async Task WaitAsync()
    {
        Task[] all;
        lock (pending)
        {
            all = pending.ToArray();
            pending.Clear();
        }

        foreach (var task in all)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OnlineException or OperationCanceledException)
            {
                lock (Failures)
                {
                    Failures.Add(exception.Message);
                }
            }
        }
    }

    private void Track(Task task)
    {
        lock (pending)
        {
            pending.Add(task);
        }
    }

    private async Task UnlockAsync(string achievement, int pilotId)
    {
        var update = await achievements.UnlockAchievementAsync(achievement, pilotId).ConfigureAwait(false);
        Record(update, pilotId);
    }

    private async Task ProgressAsync(string achievement, int pilotId)
    {
        var update = await achievements.AddAchievementProgressAsync(achievement, pilotId, 1).ConfigureAwait(false);
        Record(update, pilotId);
    }

    private void Record(AchievementUpdate update, int pilotId)
    {
        if (update.NewlyUnlocked)
        {
            lock (Unlocked)
            {
                Unlocked.Add($"{pilotId}:{update.Status.Id}");
            }
        }
    }
}

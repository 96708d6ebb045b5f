using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting.Runtime;

namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary>
/// <c>context.online</c>: login, leaderboards and achievements through the online-service interfaces
/// (the HTTP clients of the backend in a game; any implementation works). Every call waits without
/// blocking the tick and acts as the player of the last successful <c>online:login</c>.
/// </summary>
internal sealed class OnlineApi(ScriptServices services, LuaScriptOptions options, ScriptIdentity identity)
{
    public IEnumerable<KeyValuePair<string, ScriptPrimitive>> Primitives()
    {
        yield return new("login", Login);
        yield return new("submitScore", SubmitScore);
        yield return new("getLeaderboard", GetLeaderboard);
        yield return new("unlockAchievement", UnlockAchievement);
        yield return new("getAchievements", GetAchievements);
    }

    // A failed login is an answer, not an error: { success = false, error = "…" }, as the seed tests result.success.
    private int Login(LuaCall call)
    {
        var authentication = services.Authentication ?? throw new ScriptCallException("context.online has no authentication service on this host");
        string username = call.String(1);
        string password = call.String(2);
        // As Multiplayer.LogInAsync: a busy (503) or rate-limited (429) backend is asked again as OnlineRetry says (never
        // before its Retry-After, backing off, with jitter) for up to LogInWait; the last request still gets CallTimeout.
        return call.Wait(Run(options.CallTimeout + options.LogInWait, async token =>
        {
            try
            {
                var session = await OnlineRetry.RunAsync(retry => services.RegisterIfMissing
                        ? authentication.RegisterOrLogInAsync(username, password, retry)
                        : authentication.LoginAsync(username, password, retry), options.LogInWait, services.Time, token)
                    .ConfigureAwait(false);
                identity.Session = session;
                return new ScriptTable()
                    .With("success", true)
                    .With("userId", session.UserId)
                    .With("username", session.Username);
            }
            catch (OnlineException e)
            {
                return new ScriptTable()
                    .With("success", false)
                    .With("error", e.Message)
                    .With("code", e.Error.ToString());
            }
        }));
    }

    private int SubmitScore(LuaCall call)
    {
        var leaderboards = services.Leaderboards ?? throw new ScriptCallException("context.online has no leaderboard service on this host");
        string leaderboard = call.String(1);
        long score = call.Integer(2);
        long userId = LoggedIn(call);
        return call.Wait(Run(async token =>
        {
            var result = await leaderboards.SubmitScoreAsync(new ScoreSubmission(leaderboard, userId, score), token).ConfigureAwait(false);
            return new ScriptTable()
                .With("success", true)
                .With("changed", result.Changed)
                .With("rank", result.Entry.Rank)
                .With("score", result.Entry.Score);
        }));
    }

    private int GetLeaderboard(LuaCall call)
    {
        var leaderboards = services.Leaderboards ?? throw new ScriptCallException("context.online has no leaderboard service on this host");
        string leaderboard = call.String(1);
        int count = (int)call.Integer(2, 1, 100);
        return call.Wait(Run(async token =>
        {
            var page = await leaderboards.GetLeaderboardAsync(leaderboard, 0, count, cancellationToken: token).ConfigureAwait(false);
            var entries = new ScriptTable();
            foreach (var entry in page.Entries)
            {
                entries.Add(new ScriptTable()
                    .With("rank", entry.Rank)
                    .With("username", entry.Username ?? "")
                    .With("score", entry.Score)
                    .With("userId", entry.UserId));
            }

            return entries;
        }));
    }

    private int UnlockAchievement(LuaCall call)
    {
        var achievements = services.Achievements ?? throw new ScriptCallException("context.online has no achievement service on this host");
        string id = call.String(1);
        long userId = LoggedIn(call);
        return call.Wait(Run(async token =>
        {
            var update = await achievements.UnlockAchievementAsync(id, userId, token).ConfigureAwait(false);
            return new ScriptTable()
                .With("unlocked", update.Status.Unlocked)
                .With("newlyUnlocked", update.NewlyUnlocked);
        }));
    }

    private int GetAchievements(LuaCall call)
    {
        var achievements = services.Achievements ?? throw new ScriptCallException("context.online has no achievement service on this host");
        long userId = LoggedIn(call);
        return call.Wait(Run(async token =>
        {
            var list = await achievements.GetAchievementsAsync(userId, token).ConfigureAwait(false);
            var result = new ScriptTable();
            foreach (var status in list)
            {
                result.Add(new ScriptTable()
                    .With("id", status.Id)
                    .With("name", status.Name)
                    .With("description", status.Description)
                    .With("unlocked", status.Unlocked)
                    .With("progress", status.Progress)
                    .With("threshold", status.Threshold));
            }

            return result;
        }));
    }

    private long LoggedIn(LuaCall call) =>
        identity.Session?.UserId ?? throw new ScriptCallException($"{call.Function} needs a successful online:login first");

    private PendingCall Run(Func<CancellationToken, Task<ScriptTable>> work) => Run(options.CallTimeout, work);

    private PendingCall Run(TimeSpan timeout, Func<CancellationToken, Task<ScriptTable>> work)
    {
        var longest = TimeSpan.FromMilliseconds(uint.MaxValue - 1); // what a timer measures
        var cancellation = new CancellationTokenSource(timeout < longest ? timeout : longest, services.Time);
        return PendingCall.FromTask(RunAsync(work, cancellation.Token), cancellation, Describe);
    }

    private static async Task<ScriptValue> RunAsync(Func<CancellationToken, Task<ScriptTable>> work, CancellationToken token) =>
        await work(token).ConfigureAwait(false);

    private string Describe(Exception exception) => exception switch
    {
        OnlineException e => $"{e.Error}: {e.Message}",
        OperationCanceledException => $"the online service did not answer within {options.CallTimeout.TotalSeconds:0.###} s",
        _ => exception.Message,
    };
}

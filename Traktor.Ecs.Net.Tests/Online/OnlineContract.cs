using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// Shared plumbing of the contract tests: every contract runs unchanged on the embedded SQLite store,
/// on PostgreSQL, and through the HTTP backend, so all three must behave alike.
/// </summary>
public abstract class OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    protected const string Password = "correct horse battery";

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    protected static async Task<OnlineTestContext> StartAsync()
    {
        var time = new FakeTimeProvider(OnlineTestSettings.Start);
        return await new THarness().StartAsync(time, new TestConnectTokenIssuer(time));
    }

    protected static async Task<OnlineException> AssertErrorAsync(OnlineError expected, Func<Task> action)
    {
        var exception = await Assert.ThrowsAsync<OnlineException>(action);
        Assert.Equal(expected, exception.Error);
        return exception;
    }

    protected static async Task<long[]> RegisterPlayersAsync(OnlineTestContext online, int count, string prefix = "player")
    {
        var ids = new long[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = (await online.Authentication.RegisterAsync($"{prefix}{i}", Password, Cancel)).UserId;
        }
        return ids;
    }
}

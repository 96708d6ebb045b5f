using System.Net;
using System.Net.Http.Headers;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Tests.Online;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// <c>online:login</c> waits out a busy (503) or rate-limited (429) backend as <see cref="Multiplayer.LogInAsync"/> does
/// (<see cref="OnlineRetry"/>: never before the Retry-After, within <see cref="LuaScriptOptions.LogInWait"/>), instead of
/// answering <c>success = false</c> to the first refusal.
/// </summary>
public sealed class LoginRetryTests
{
    private const string Script = """
        local result = context.online:login("retrying-ada", "correct horse battery")
        if result.success then log:info("in as " .. result.username) else log:info("refused: " .. result.code) end
        """;

    [Fact]
    public async Task A_login_answered_503_then_429_with_Retry_After_is_asked_again_no_sooner_than_told_and_succeeds()
    {
        await using var backend = await BackendTestServer.StartAsync();
        await new HttpAuthentication(backend.CreateBackendClient(asServer: false)).RegisterAsync("retrying-ada", "correct horse battery", TestContext.Current.CancellationToken);
        var refusing = new RefusingLogins([HttpStatusCode.ServiceUnavailable, HttpStatusCode.TooManyRequests], TimeSpan.FromSeconds(1));
        using var http = new HttpClient(refusing) { BaseAddress = backend.BaseAddress };
        using var host = new ScriptHost(new ScriptServices { Authentication = new HttpAuthentication(new OnlineBackendClient(http)) });

        var script = host.Load("login.lua", Script);
        host.TickUntil(() => script.WaitingEntries == 0);

        Assert.Empty(script.Errors);
        Assert.Equal(["[login.lua] in as retrying-ada"], host.Info);
        Assert.Equal(3, refusing.Logins.Count);
        Assert.True(refusing.Logins[1] - refusing.Logins[0] >= TimeSpan.FromSeconds(1), $"asked again after {refusing.Logins[1] - refusing.Logins[0]}");
        Assert.True(refusing.Logins[2] - refusing.Logins[1] >= TimeSpan.FromSeconds(1), $"asked again after {refusing.Logins[2] - refusing.Logins[1]}");
    }

    [Fact]
    public async Task A_backend_still_busy_after_LogInWait_answers_the_last_refusal()
    {
        await using var backend = await BackendTestServer.StartAsync();
        var refusing = new RefusingLogins([.. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 100)], TimeSpan.FromMilliseconds(100));
        using var http = new HttpClient(refusing) { BaseAddress = backend.BaseAddress };
        using var host = new ScriptHost(new ScriptServices { Authentication = new HttpAuthentication(new OnlineBackendClient(http)) },
            new LuaScriptOptions { LogInWait = TimeSpan.FromMilliseconds(600) });

        var script = host.Load("login.lua", Script);
        host.TickUntil(() => script.WaitingEntries == 0);

        Assert.Empty(script.Errors);
        Assert.Equal(["[login.lua] refused: RateLimited"], host.Info);
        Assert.InRange(refusing.Logins.Count, 2, 4); // asked again within the wait, not forever
    }

    [Fact]
    public void A_login_wait_no_timer_can_measure_is_refused_when_the_script_system_is_made()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptHost(options: new LuaScriptOptions { LogInWait = TimeSpan.FromDays(60) }));
        Assert.Equal("LogInWait", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptHost(options: new LuaScriptOptions { LogInWait = TimeSpan.FromSeconds(-1) }));
    }

    /// <summary>Answers the first logins with the given statuses and a Retry-After; passes everything else to the backend.</summary>
    private sealed class RefusingLogins(HttpStatusCode[] refusals, TimeSpan retryAfter) : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly long started = TimeProvider.System.GetTimestamp();

        /// <summary>When each login arrived, from the handler's creation.</summary>
        public List<TimeSpan> Logins { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath.EndsWith("/v1/auth/login", StringComparison.Ordinal) != true)
            {
                return base.SendAsync(request, cancellationToken);
            }

            int index;
            lock (Logins)
            {
                Logins.Add(TimeProvider.System.GetElapsedTime(started));
                index = Logins.Count - 1;
            }

            if (index >= refusals.Length)
            {
                return base.SendAsync(request, cancellationToken);
            }

            var refused = new HttpResponseMessage(refusals[index]) { RequestMessage = request };
            refused.Headers.RetryAfter = new RetryConditionHeaderValue(retryAfter);
            return Task.FromResult(refused);
        }
    }
}

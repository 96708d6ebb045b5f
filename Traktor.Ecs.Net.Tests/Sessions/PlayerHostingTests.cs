using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Scripting;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// <c>PlayerHosting.CreateSessionAsync</c> (<see cref="PlayerHosting"/>), shared by <see cref="Multiplayer"/> and Lua's <c>createSession</c>: a
/// listen server that fails to start leaves no session behind. Lua's <c>createSession(name, max, "player")</c> used to
/// leave it live with the host seated (until the seat went idle), so joiners were seated in a session nobody served.
/// </summary>
public sealed class PlayerHostingTests : DirectoryOnFakeClockTests
{
    [Fact]
    public async Task A_start_that_fails_leaves_the_session_again()
    {
        long host = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        PlayerHostGrant? granted = null;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Services.Sessions!.CreateSessionAsync(new SessionOptions("coop", 4), host,
            (grant, _) =>
            {
                granted = grant;
                throw new InvalidOperationException("the port is taken");
            }, Time, Cancel));

        Assert.Equal("the port is taken", error.Message);
        var left = await Services.Sessions!.GetSessionAsync(granted!.Session.Id, Cancel);
        Assert.True(left is null || left.State == SessionState.Ended, $"the session ended ({left?.State})");
    }

    [Fact]
    public async Task A_Lua_createSession_whose_game_cannot_start_hosting_leaves_no_live_session()
    {
        long host = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        PlayerHostGrant? granted = null;
        using var scripts = new ScriptHost(new ScriptServices
        {
            Sessions = Services.Sessions,
            PlayerId = (ulong)host,
            StartHosting = (grant, _) =>
            {
                granted = grant;
                throw new InvalidOperationException("the port is taken");
            },
        });
        var script = scripts.Load("host.lua", """local session = multiplayer:createSession("coop", 4, "player")""");
        for (var deadline = DateTime.UtcNow.AddSeconds(20); script.WaitingEntries > 0 && DateTime.UtcNow < deadline; await Task.Delay(5, Cancel))
        {
            scripts.Tick();
        }

        var error = Assert.Single(script.Errors);
        Assert.Contains("the port is taken", error.Message, StringComparison.Ordinal);
        var left = await Services.Sessions!.GetSessionAsync(granted!.Session.Id, Cancel);
        Assert.True(left is null || left.State == SessionState.Ended, $"the session ended ({left?.State})");   // before: Live, the host seated
    }

    /// <summary>
    /// The clock came as another overload: the first release's signature (no clock, the token fifth) stays, so callers
    /// built against it still bind (before, the clock was inserted before the token: MissingMethodException for them, and
    /// a token passed fifth no longer compiled).
    /// </summary>
    [Fact]
    public async Task The_signature_without_a_clock_still_binds_and_leaves_after_a_failed_start()
    {
        var released = typeof(PlayerHosting).GetMethod(nameof(PlayerHosting.CreateSessionAsync),
            [typeof(ISessions), typeof(SessionOptions), typeof(long), typeof(Func<PlayerHostGrant, CancellationToken, Task>), typeof(CancellationToken)]);
        Assert.NotNull(released);

        long host = (await Services.Authentication.RegisterAsync("released-signature", Password, Cancel)).UserId;
        PlayerHostGrant? granted = null;
        var call = (Task<PlayerHostGrant>)released.Invoke(null, [Services.Sessions!, new SessionOptions("coop", 4), host,
            (Func<PlayerHostGrant, CancellationToken, Task>)((grant, _) =>
            {
                granted = grant;
                throw new InvalidOperationException("the port is taken");
            }), Cancel])!;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => call);

        Assert.Equal("the port is taken", error.Message);
        var left = await Services.Sessions!.GetSessionAsync(granted!.Session.Id, Cancel);
        Assert.True(left is null || left.State == SessionState.Ended, $"the session ended ({left?.State})");
    }
}

using System.Net;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Sessions;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// How a hosting script ends the session it hosts: the seed's API names no <c>endSession</c>, and none is added; a player
/// host's <c>multiplayer:leaveSession()</c> ends its session for everyone (<see cref="SessionEndReason.Ended"/>), as
/// <see cref="Multiplayer.LeaveSessionAsync"/> does for a hosting facade, because the directory ends a player-hosted session
/// when its host leaves. Joiners that leave do not end it.
/// </summary>
public sealed class HostEndsSessionTests : DirectoryOnFakeClockTests
{
    [Fact]
    public async Task A_hosting_script_s_leaveSession_ends_the_session_for_everyone_and_a_joiner_s_does_not()
    {
        long host = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        long guest = (await Services.Authentication.RegisterAsync("guest-player", Password, Cancel)).UserId;
        using var scripts = new ScriptHost(new ScriptServices
        {
            Sessions = Services.Sessions,
            PlayerId = (ulong)host,
            Time = Time,
            StartHosting = (_, _) => Task.FromResult<PlayerSessionHost?>(null), // the game's NetworkHost serves it
        });
        var script = scripts.Load("host.lua", """
            session = multiplayer:createSession("coop", 4, "player")
            id = session.id
            function Script:leave() left = multiplayer:leaveSession() end
            """);
        scripts.TickUntil(() => script.WaitingEntries == 0);
        Assert.Empty(script.Errors);
        Assert.True(SessionId.TryParse(script.GetGlobal("id").AsString, out var id));

        // The game's PlayerSessionHost publishes where it serves; a joiner leaving gives its seat back, and the session goes on.
        var hosted = Assert.IsAssignableFrom<IPlayerHostedSessions>(Services.Sessions);
        Assert.True((await hosted.HostHeartbeatAsync(id, host, [new IPEndPoint(IPAddress.Loopback, 40_000)], [host], Cancel)).Live);
        Assert.True((await Services.Sessions!.JoinSessionAsync(id, guest, Cancel)).Succeeded);
        Assert.True(await Services.Sessions.LeaveSessionAsync(id, guest, Cancel));
        Assert.Equal(SessionState.Live, (await Services.Sessions.GetSessionAsync(id, Cancel))!.State);

        // The host leaving ends it, as Ended: the script's way to end the session it hosts.
        Assert.True(script.Call("leave"));
        scripts.TickUntil(() => script.WaitingEntries == 0);
        Assert.Empty(script.Errors);
        Assert.True(script.GetGlobal("left").AsBoolean);
        var ended = await Services.Sessions.GetSessionAsync(id, Cancel);
        Assert.NotNull(ended);
        Assert.Equal(SessionState.Ended, ended.State);
        Assert.Equal(SessionEndReason.Ended, ended.EndReason);
    }

    /// <summary>
    /// <c>multiplayer:isEnded()</c> agrees with <see cref="Multiplayer.IsEnded"/> for a host: false while it hosts, true from
    /// its own <c>leaveSession()</c> (the host's end screen) until it plays again (here a <c>leaveSession()</c> in no
    /// session). Before, a hosting script's own leave left it false.
    /// </summary>
    [Fact]
    public async Task A_hosting_script_s_own_leaveSession_shows_its_end_screen_until_it_plays_again()
    {
        long host = (await Services.Authentication.RegisterAsync("ending-host", Password, Cancel)).UserId;
        using var scripts = new ScriptHost(new ScriptServices
        {
            Sessions = Services.Sessions,
            PlayerId = (ulong)host,
            Time = Time,
            StartHosting = (_, _) => Task.FromResult<PlayerSessionHost?>(null),
        });
        var script = scripts.Load("host.lua", """
            multiplayer:createSession("coop", 4, "player")
            whileHosting = multiplayer:isEnded()
            function Script:leave()
                left = multiplayer:leaveSession()
                ended = multiplayer:isEnded()
            end
            """);
        scripts.TickUntil(() => script.WaitingEntries == 0);
        Assert.Empty(script.Errors);
        Assert.False(script.GetGlobal("whileHosting").AsBoolean);

        Assert.True(script.Call("leave"));
        scripts.TickUntil(() => script.WaitingEntries == 0);
        Assert.True(script.GetGlobal("left").AsBoolean);
        Assert.True(script.GetGlobal("ended").AsBoolean, "isEnded() after the host's own leaveSession()");

        Assert.True(script.Call("leave")); // in no session: the end screen goes
        scripts.TickUntil(() => script.WaitingEntries == 0);
        Assert.False(script.GetGlobal("left").AsBoolean);
        Assert.False(script.GetGlobal("ended").AsBoolean);
        Assert.Empty(script.Errors);
    }
}

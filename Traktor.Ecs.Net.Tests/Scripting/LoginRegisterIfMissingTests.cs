using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Tests.Online;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// <see cref="ScriptServices.RegisterIfMissing"/>: the seed's <c>online:login</c> signs a new player up first, as
/// <see cref="MultiplayerAccount.RegisterIfMissing"/> does for the facade, so a Lua game needs no registration code of its own.
/// </summary>
public sealed class LoginRegisterIfMissingTests
{
    private const string Script = """
        local result = context.online:login(username, "correct horse battery")
        if result.success then log:info("in as " .. result.username) else log:info("refused: " .. result.code) end
        """;

    [Fact]
    public async Task A_login_of_a_name_nobody_registered_creates_the_account_and_logs_in_again_later()
    {
        await using var backend = await BackendTestServer.StartAsync();
        using var host = new ScriptHost(new ScriptServices
        {
            Authentication = new HttpAuthentication(backend.CreateBackendClient(asServer: false)),
            RegisterIfMissing = true,
        });

        var first = host.Load("first.lua", Script, new Dictionary<string, ScriptValue> { ["username"] = "newcomer-nell" });
        host.TickUntil(() => first.WaitingEntries == 0);
        var again = host.Load("again.lua", Script, new Dictionary<string, ScriptValue> { ["username"] = "newcomer-nell" });
        host.TickUntil(() => again.WaitingEntries == 0);

        Assert.Empty(first.Errors);
        Assert.Empty(again.Errors);
        Assert.Equal(["[first.lua] in as newcomer-nell", "[again.lua] in as newcomer-nell"], host.Info);
    }

    [Fact]
    public async Task Without_it_a_name_nobody_registered_is_refused_as_the_seed_expects()
    {
        await using var backend = await BackendTestServer.StartAsync();
        using var host = new ScriptHost(new ScriptServices { Authentication = new HttpAuthentication(backend.CreateBackendClient(asServer: false)) });

        var script = host.Load("login.lua", Script, new Dictionary<string, ScriptValue> { ["username"] = "newcomer-ned" });
        host.TickUntil(() => script.WaitingEntries == 0);

        Assert.Empty(script.Errors);
        Assert.Equal(["[login.lua] refused: Unauthorized"], host.Info);
    }
}

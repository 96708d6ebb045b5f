using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A script's RPC handlers share one instruction budget a tick (<see cref="LuaScriptOptions.RpcInstructionBudgetPerTick"/>,
/// attack review 29). Before, only their count was capped (64) and each had its own 1,000,000 instructions: 64 handlers
/// spinning to their budgets cost one tick 64,000,000 instructions, about 190 ms against a 60 Hz tick's 16.7 ms
/// (docs/SCRIPTING.md, "What a tick may cost").
/// </summary>
[Collection(nameof(SeedSnippetTests))]
public sealed class ScriptRpcInstructionBudgetTests
{
    private const string Spinning = """
        handled = ""
        function Script:onPlayerJoined(params, sender)
          handled = handled .. " " .. params.playerId
          while true do end
        end
        """;

    [Fact]
    public void Handlers_spinning_to_their_budgets_stop_the_tick_s_handlers_at_the_shared_budget()
    {
        using var host = new ScriptHost(new ScriptServices { Rpcs = new ScriptRpcMap().Map<SeedPlayerJoined>("onPlayerJoined") });
        var script = host.Load("spin.lua", Spinning);

        // 64 senders, one RPC each: the handler cap (64) would run them all.
        var received = new List<Entity>();
        for (int sender = 0; sender < 64; sender++)
        {
            received.Add(host.World.Create(new SeedPlayerJoined { PlayerId = sender }, new RpcSource(new ConnectionId(sender + 1, 1))));
        }

        host.Tick();

        // Two handlers spend their 1,000,000 each (the default budget of the tick's handlers is 2,000,000), the rest wait.
        Assert.Equal(" 0 1", script.GetGlobal("handled").AsString);
        var errors = script.Errors.ToList();
        Assert.Equal(2, errors.Count(e => e.Kind == ScriptErrorKind.InstructionBudget));
        var limit = Assert.Single(errors, e => e.Kind == ScriptErrorKind.Limit);
        Assert.StartsWith("62 RPCs arrived past the 64 handlers a tick may run (MaxRpcHandlersPerTick) or the 2000000 instructions", limit.Message, StringComparison.Ordinal);

        // The next tick has a whole budget again, and the senders left waiting go first.
        script.SetGlobal("handled", "");
        host.Tick();
        Assert.Equal(" 2 3", script.GetGlobal("handled").AsString);
        received.ForEach(host.World.Destroy);
    }

    [Fact]
    public void Cheap_handlers_all_run_within_the_shared_budget()
    {
        using var host = new ScriptHost(new ScriptServices { Rpcs = new ScriptRpcMap().Map<SeedPlayerJoined>("onPlayerJoined") });
        var script = host.Load("cheap.lua", """
            handled = 0
            function Script:onPlayerJoined(params, sender)
              for i = 1, 10000 do end
              handled = handled + 1
            end
            """);
        for (int sender = 0; sender < 64; sender++)
        {
            host.World.Create(new SeedPlayerJoined { PlayerId = sender }, new RpcSource(new ConnectionId(sender + 1, 1)));
        }

        host.Tick();

        // 64 handlers of about 10,000 instructions (640,000 together): all handled, no error.
        Assert.Equal(64, script.GetGlobal("handled").AsInteger);
        Assert.Empty(script.Errors);
    }

    [Fact]
    public void A_budget_below_a_thousand_instructions_is_refused()
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptHost(options: new LuaScriptOptions { RpcInstructionBudgetPerTick = 999 }));
        Assert.Equal(nameof(LuaScriptOptions.RpcInstructionBudgetPerTick), refused.ParamName);
    }
}

using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// <see cref="LuaScriptOptions"/>' budgets have upper ends, and the script system keeps a copy (attack review 29's leftover).
/// Before, only lower ends were checked: an <see cref="LuaScriptOptions.InstructionBudget"/> of <see cref="long.MaxValue"/>
/// with a long time budget let one loop hold the tick for good, a table depth of thousands let the host's recursive read
/// of a script's table overflow its stack, and a value changed on the caller's object after the checks reached the
/// scripts loaded later.
/// </summary>
public sealed class LuaScriptOptionsBoundsTests
{
    public static TheoryData<string, object> BadValues => new()
    {
        { nameof(LuaScriptOptions.InstructionBudget), LuaScriptOptions.InstructionBudgetLimit + 1 },
        { nameof(LuaScriptOptions.InstructionBudget), long.MaxValue },
        { nameof(LuaScriptOptions.TimeBudget), TimeSpan.FromMinutes(10) + TimeSpan.FromTicks(1) },
        { nameof(LuaScriptOptions.TimeBudget), TimeSpan.MaxValue },
        { nameof(LuaScriptOptions.HookInterval), 1_000_001 }, // past the default 1,000,000-instruction budget
        { nameof(LuaScriptOptions.HookInterval), int.MaxValue },
        { nameof(LuaScriptOptions.MemoryLimitBytes), LuaScriptOptions.MemoryLimitBytesLimit + 1L },
        { nameof(LuaScriptOptions.MemoryLimitBytes), long.MaxValue },
        { nameof(LuaScriptOptions.MaxLuaStringBytes), LuaScriptOptions.MemoryLimitBytesLimit + 1L },
        { nameof(LuaScriptOptions.MaxLuaStringBytes), long.MaxValue },
        { nameof(LuaScriptOptions.MaxWaitingEntries), 4097 },
        { nameof(LuaScriptOptions.MaxResumesPerTick), 1025 },
        { nameof(LuaScriptOptions.MaxTableEntries), 65_537 },
        { nameof(LuaScriptOptions.MaxTableDepth), 33 },
        { nameof(LuaScriptOptions.MaxTableDepth), int.MaxValue },
        { nameof(LuaScriptOptions.MaxStringBytes), LuaScriptOptions.MemoryLimitBytesLimit + 1 },
        { nameof(LuaScriptOptions.MaxHttpResponseBytes), LuaScriptOptions.MemoryLimitBytesLimit + 1 },
        { nameof(LuaScriptOptions.RpcsPerSecond), 1000.5 },
        { nameof(LuaScriptOptions.RpcBurst), 1001 },
        { nameof(LuaScriptOptions.MaxRpcHandlersPerTick), 1025 },
        { nameof(LuaScriptOptions.RpcInstructionBudgetPerTick), (64L * 1_000_000) + 1 }, // past 64 handlers × 1,000,000
        { nameof(LuaScriptOptions.LogLinesPerSecond), 100_001 },
        { nameof(LuaScriptOptions.LogBytesPerSecond), (64 * 1024 * 1024) + 1 },
        { nameof(LuaScriptOptions.MaxKeptErrors), 4097 },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_value_past_its_upper_end_is_refused_when_the_system_is_made(string option, object value)
    {
        var options = new LuaScriptOptions();
        typeof(LuaScriptOptions).GetProperty(option)!.SetValue(options, value);
        using var world = World.Create();

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new LuaScriptSystem(world, new ScriptServices(), options));
        Assert.Equal(option, refused.ParamName);
    }

    [Fact]
    public void The_upper_ends_themselves_are_taken()
    {
        using var world = World.Create();
        _ = new LuaScriptSystem(world, new ScriptServices(), new LuaScriptOptions
        {
            InstructionBudget = LuaScriptOptions.InstructionBudgetLimit,
            TimeBudget = LuaScriptOptions.TimeBudgetLimit,
            HookInterval = 1_000_000,
            MemoryLimitBytes = LuaScriptOptions.MemoryLimitBytesLimit,
            MaxLuaStringBytes = LuaScriptOptions.MemoryLimitBytesLimit,
            MaxWaitingEntries = 4096,
            MaxResumesPerTick = 1024,
            MaxTableEntries = 65_536,
            MaxTableDepth = 32,
            MaxStringBytes = LuaScriptOptions.MemoryLimitBytesLimit,
            MaxHttpResponseBytes = LuaScriptOptions.MemoryLimitBytesLimit,
            RpcsPerSecond = 1000,
            RpcBurst = 1000,
            MaxRpcHandlersPerTick = 1024,
            RpcInstructionBudgetPerTick = 1024 * LuaScriptOptions.InstructionBudgetLimit,
            LogLinesPerSecond = 100_000,
            LogBytesPerSecond = 64 * 1024 * 1024,
            MaxKeptErrors = 4096,
        });
    }

    [Fact]
    public void Changing_the_callers_object_afterwards_does_not_reach_the_scripts()
    {
        var options = new LuaScriptOptions { TimeBudget = LuaScriptOptions.TimeBudgetLimit };
        using var host = new ScriptHost(options: options);
        options.InstructionBudget = 1000; // read live, a script loaded now ran out in its loop

        var script = host.Load("loop.lua", "local n = 0\nfor i = 1, 100000 do n = n + i end\ndone = n");

        Assert.Empty(script.Errors);
        Assert.Equal(5_000_050_000L, script.GetGlobal("done").AsInteger);
    }
}

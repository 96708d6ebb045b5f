using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Tests.Rpc;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A script failing in a system built without a logger used to be silent: its first error is written once
/// to the standard error, with file and line, and every error is still kept and reported.
/// </summary>
[Collection(ConsoleErrorCollection.Name)]
public sealed class ScriptErrorVisibilityTests
{
    [Fact]
    public void Without_a_logger_a_scripts_first_error_is_written_once_to_standard_error()
    {
        var original = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        LuaScript script;
        try
        {
            using var world = World.Create();
            var system = new LuaScriptSystem(world, new ScriptServices());
            script = system.LoadSource("typo.lua", "function Script:update(dt)\n  multiplayr:rpc(\"chat\", {})\nend\n");
            for (int i = 0; i < 3; i++)
            {
                system.Update(1f / 60f);
            }
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(3, script.Errors.Count);
        string text = captured.ToString();
        Assert.Equal(1, text.Split("script typo.lua failed: typo.lua:2: Runtime:").Length - 1);
        Assert.Contains("multiplayr", text, StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_logger_nothing_is_written_to_standard_error()
    {
        var original = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            using var host = new ScriptHost();
            host.Load("typo.lua", "function Script:update(dt)\n  multiplayr:rpc(\"chat\", {})\nend\n");
            host.Tick(2);
            Assert.Equal(2, host.System.Scripts.Single().Errors.Count);
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal("", captured.ToString());
    }
}

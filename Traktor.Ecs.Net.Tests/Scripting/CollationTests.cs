using System.Runtime.InteropServices;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Scripting.Sandbox;
using Traktor.Ecs.Net.Tests.Demo;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Lua compares strings with <c>strcoll</c>, and the sandbox's cost model for comparisons (<see cref="LuaMemory"/>) holds for
/// the "C" collation only: a script loads only when the process's <c>LC_COLLATE</c> is "C" (or "POSIX"), else
/// <see cref="LuaCollationException"/>. Before, a host whose native code had called <c>setlocale</c> ran scripts whose
/// comparisons cost 7 to 150 ns a byte against a model of 0.04 (docs/SECURITY.md). The process's locale is never changed in
/// the test host: the other collation is set in a child process that runs one test of this class.
/// </summary>
public sealed class CollationTests
{
    // Set for the child process only: the collation its test sets before loading a script.
    private const string ChildCollation = "TRAKTOR_TEST_LC_COLLATE";

    [Fact]
    public void A_script_loads_under_the_C_collation_and_is_refused_under_the_one_the_child_process_sets()
    {
        SkipUnlessGlibc();
        if (Environment.GetEnvironmentVariable(ChildCollation) is not { } collation)
        {
            // The test host: .NET leaves LC_COLLATE at "C" whatever LANG says (it never calls setlocale), and scripts load.
            using var host = new ScriptHost();
            var plain = host.Load("plain.lua", "ordered = 'B' < 'a'");
            Assert.True(plain.GetGlobal("ordered").AsBoolean);
            Assert.Equal("C", LuaCollation.QueryName()); // asked of the C library Lua uses (found once a script loaded)
            return;
        }

        // The child process: native code sets the collation, as a game engine calling setlocale(LC_ALL, "") would.
        Assert.Equal(collation, SetCollation(collation));
        using (var refused = new ScriptHost())
        {
            var error = Assert.Throws<LuaCollationException>(() => refused.Load("plain.lua", "ordered = 'B' < 'a'"));
            Assert.Equal(collation, error.Collation); // the raw name; the message quotes it
            Assert.Contains($"LC_COLLATE is \"{collation}\"", error.Message, StringComparison.Ordinal);
            Assert.Contains("setlocale(LC_COLLATE, \"C\")", error.Message, StringComparison.Ordinal);
        }

        // What the message says to do: LC_COLLATE alone back to "C", and scripts load again.
        Assert.Equal("C", SetCollation("C"));
        using var host2 = new ScriptHost();
        var script = host2.Load("plain.lua", "ordered = 'B' < 'a'");
        Assert.True(script.GetGlobal("ordered").AsBoolean);
    }

    [Fact]
    public async Task A_process_whose_native_code_set_C_UTF_8_refuses_scripts_until_it_sets_C_again()
    {
        SkipUnlessGlibc();
        // C.UTF-8 is the collation every glibc since 2.35 has (no locale package needed); it orders bytes as "C" does, so the
        // order probe alone would pass it; its name is what refuses it (older builds of it were table driven, and unmeasured).
        var test = typeof(CollationTests).Assembly.Location;
        using var child = new ChildProcess(
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet",
            // Run directly, the test assembly is xUnit's own runner (-method takes the full name).
            [test, "-method", $"{typeof(CollationTests).FullName}.{nameof(A_script_loads_under_the_C_collation_and_is_refused_under_the_one_the_child_process_sets)}", "-noColor"],
            environment: environment => environment[ChildCollation] = "C.UTF-8");

        var exit = await child.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(exit == 0, $"exit {exit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none (timed out)"}: {child.Output}");
        Assert.Contains("Total: 1, Errors: 0, Failed: 0, Skipped: 0", child.Output, StringComparison.Ordinal);
    }

    // setlocale(LC_COLLATE, name) in the C library the script's Lua uses: the name it set, or null when it has no such locale.
    private static string? SetCollation(string name) => LuaCollation.SetName(name);

    /// <summary>
    /// The collations set here (C.UTF-8, glibc's since 2.35) and the question asked of the C library are glibc's: elsewhere
    /// the test says why it cannot run rather than fail on the platform.
    /// </summary>
    private static void SkipUnlessGlibc()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out _))
        {
            Assert.Skip("Needs glibc (libc.so.6, whose C.UTF-8 collation and setlocale this test sets and asks); this platform's C library differs.");
        }
    }
}

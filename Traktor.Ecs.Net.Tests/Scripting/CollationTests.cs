using System.Runtime.InteropServices;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Scripting.Runtime;
using Traktor.Ecs.Net.Scripting.Sandbox;
using Traktor.Ecs.Net.Tests.Demo;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Lua compares strings with <c>strcoll</c>, and the sandbox's cost model for comparisons (<see cref="LuaMemory"/>) holds for
/// byte order only: a script loads only when the process's <c>LC_COLLATE</c> is "C", "POSIX", or glibc 2.35's and later
/// C.UTF-8 (by code point, with <c>strcmp</c>), else <see cref="LuaCollationException"/>; and no script code runs after
/// native code set another one (<see cref="ScriptErrorKind.Collation"/>). The process's locale is never changed in the test
/// host: the other collation is set in a child process that runs one test of this class.
/// </summary>
public sealed class CollationTests
{
    // Set for the child process only: the collation its test sets, and whether scripts run under it ("runs" or "refused").
    private const string ChildCollation = "TRAKTOR_TEST_LC_COLLATE";
    private const string ChildExpects = "TRAKTOR_TEST_COLLATION_EXPECTS";

    private const string Source = """
        ordered = 'B' < 'a' and 'z' < '\u{e9}'
        pings = 0
        function Script:ping() pings = pings + 1 end
        """;

    [Fact]
    public void A_script_runs_only_while_the_collation_is_byte_order()
    {
        SkipUnlessGlibc();
        if (Environment.GetEnvironmentVariable(ChildCollation) is not { } collation)
        {
            // The test host: .NET leaves LC_COLLATE at "C" whatever LANG says (it never calls setlocale), and scripts load and run.
            using var host = new ScriptHost();
            var plain = host.Load("plain.lua", Source);
            Assert.True(plain.GetGlobal("ordered").AsBoolean);
            Assert.Equal("C", LuaCollation.QueryName()); // asked of the C library Lua uses (found once a script loaded)
            Assert.True(plain.Call("ping"));
            Assert.Empty(plain.Errors);
            Assert.Equal(1L, plain.GetGlobal("pings").AsInteger);
            return;
        }

        bool runs = Environment.GetEnvironmentVariable(ChildExpects) == "runs";
        // The child process: native code sets the collation, as a game engine calling setlocale(LC_ALL, "") would.
        Assert.Equal(collation, SetCollation(collation));
        using (var under = new ScriptHost())
        {
            if (runs)
            {
                var script = under.Load("plain.lua", Source);
                Assert.True(script.GetGlobal("ordered").AsBoolean);
                Assert.True(script.Call("ping"));
                Assert.Empty(script.Errors);
                return;
            }

            var error = Assert.Throws<LuaCollationException>(() => under.Load("plain.lua", Source));
            Assert.Equal(collation, error.Collation); // the raw name; the message quotes it
            Assert.Contains($"LC_COLLATE is \"{collation}\"", error.Message, StringComparison.Ordinal);
            Assert.Contains("setlocale(LC_COLLATE, \"C\")", error.Message, StringComparison.Ordinal);
        }

        // What the message says to do: LC_COLLATE alone back to "C", and scripts load again.
        Assert.Equal("C", SetCollation("C"));
        using var host2 = new ScriptHost();
        var loaded = host2.Load("plain.lua", Source);
        Assert.True(loaded.GetGlobal("ordered").AsBoolean);

        // Native code sets the collation again once the script is loaded: its next entry does not run, typed (before: it ran,
        // each comparison through the locale's tables), and runs again once LC_COLLATE is "C" again.
        Assert.Equal(collation, SetCollation(collation));
        Assert.True(loaded.Call("ping"));
        var stopped = Assert.Single(loaded.Errors);
        Assert.Equal(ScriptErrorKind.Collation, stopped.Kind);
        Assert.Equal("ping", stopped.Entry);
        Assert.Contains($"LC_COLLATE is \"{collation}\"", stopped.Message, StringComparison.Ordinal);
        Assert.Equal(0L, loaded.GetGlobal("pings").AsInteger);
        Assert.Equal("C", SetCollation("C"));
        Assert.True(loaded.Call("ping"));
        Assert.Single(loaded.Errors);
        Assert.Equal(1L, loaded.GetGlobal("pings").AsInteger);
    }

    [Fact]
    public async Task A_process_whose_native_code_set_C_UTF_8_runs_scripts_on_glibc_2_35_and_later()
    {
        SkipUnlessGlibc();
        // C.UTF-8 is the collation every glibc since 2.35 has (no locale package needed), by code point with strcmp, which is
        // byte order for UTF-8 (measured on 2.36: as fast a byte as "C"). Before, its name alone refused every script.
        LuaNative.EnsureLoaded();
        bool codePoint = LuaCollation.GlibcVersion() >= new Version(2, 35);
        await RunChildAsync("C.UTF-8", codePoint ? "runs" : "refused");
    }

    [Fact]
    public async Task A_process_whose_native_code_set_en_US_refuses_scripts_and_stops_loaded_ones_until_it_sets_C_again()
    {
        SkipUnlessGlibc();
        // A linguistic collation, compiled for the child alone (LOCPATH): the machine's installed locales are not needed.
        var locales = Directory.CreateTempSubdirectory("traktor-locales-");
        try
        {
            using (var localedef = new ChildProcess("localedef", ["-i", "en_US", "-f", "UTF-8", Path.Combine(locales.FullName, "en_US.UTF-8")]))
            {
                var made = await localedef.WaitAsync(TimeSpan.FromMinutes(2));
                if (made != 0)
                {
                    Assert.Skip($"Needs glibc's localedef and its en_US source to compile a linguistic locale (exit {made}): {localedef.Output}");
                }
            }

            await RunChildAsync("en_US.UTF-8", "refused", environment => environment["LOCPATH"] = locales.FullName);
        }
        finally
        {
            locales.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("C", null, true)]
    [InlineData("POSIX", null, true)]
    [InlineData("C.UTF-8", "2.35", true)]
    [InlineData("C.utf8", "2.36", true)]
    [InlineData("C.UTF8", "2.40", true)]
    [InlineData("C.UTF-8", "2.34", false)] // distributions patched their own C.UTF-8 in: table driven, not measured
    [InlineData("C.UTF-8", null, false)] // not glibc
    [InlineData("C.ISO-8859-1", "2.36", false)]
    [InlineData("C.utf16", "2.36", false)]
    [InlineData("C.UTF-8x", "2.36", false)]
    [InlineData("en_US.UTF-8", "2.36", false)]
    [InlineData("c", "2.36", false)]
    [InlineData("", "2.36", false)]
    public void Byte_order_names_are_C_POSIX_and_glibc_2_35s_C_UTF_8(string name, string? glibc, bool byteOrder) =>
        Assert.Equal(byteOrder, LuaCollation.IsByteOrder(name, glibc is null ? null : Version.Parse(glibc)));

    // Runs the first test of this class in a child process that sets the collation.
    private static async Task RunChildAsync(string collation, string expects, Action<IDictionary<string, string?>>? environment = null)
    {
        var test = typeof(CollationTests).Assembly.Location;
        using var child = new ChildProcess(
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet",
            // Run directly, the test assembly is xUnit's own runner (-method takes the full name).
            [test, "-method", $"{typeof(CollationTests).FullName}.{nameof(A_script_runs_only_while_the_collation_is_byte_order)}", "-noColor"],
            environment: variables =>
            {
                variables[ChildCollation] = collation;
                variables[ChildExpects] = expects;
                environment?.Invoke(variables);
            });

        var exit = await child.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(exit == 0, $"exit {exit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none (timed out)"}: {child.Output}");
        Assert.Contains("Total: 1, Errors: 0, Failed: 0, Skipped: 0", child.Output, StringComparison.Ordinal);
    }

    // setlocale(LC_COLLATE, name) in the C library the script's Lua uses: the name it set, or null when it has no such locale.
    private static string? SetCollation(string name) => LuaCollation.SetName(name);

    /// <summary>
    /// The collations set here (C.UTF-8, glibc's since 2.35, and a compiled en_US) and the question asked of the C library
    /// are glibc's: elsewhere the test says why it cannot run rather than fail on the platform.
    /// </summary>
    private static void SkipUnlessGlibc()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out _))
        {
            Assert.Skip("Needs glibc (libc.so.6, whose C.UTF-8 collation and setlocale this test sets and asks); this platform's C library differs.");
        }
    }
}

using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// The sandbox's string.find/match/gmatch/gsub run on a budgeted matcher: they answer exactly what Lua's
/// own do (compared against the native library on generated patterns), and a pattern that backtracks
/// for hours, a quadratic plain search or a C loop over a huge length stops at the instruction budget.
/// </summary>
public sealed partial class PatternTests
{
    private static readonly string[] PatternTokens =
    [
        "a", "b", "1", " ", ".", "%a", "%d", "%s", "%w", "%A", "%p", "[ab]", "[^a]", "[a-c1]", "[%d]", "[]]", "*", "+", "-", "?",
        "(", ")", "()", "%1", "%2", "^", "$", "%b()", "%f[%w]", "%f[%W]", "%", "[", "%.", "%%",
    ];

    private static readonly string[] Operations =
    [
        "ser(string.find(S, P))",
        "ser(string.find(S, P, I))",
        "ser(string.find(S, P, I, true))",
        "ser(string.match(S, P))",
        "ser(string.match(S, P, I))",
        "ser(string.gsub(S, P, '<%0>'))",
        "ser(string.gsub(S, P, '%1|'))",
        "ser(string.gsub(S, P, '%%'))",
        "ser(string.gsub(S, P, function(...) return ser(...) .. ';' end))",
        "ser(string.gsub(S, P, { a = 'A', [''] = 'E' }))",
        "ser(string.gsub(S, P, 'x', 2))",
        "collect(string.gmatch(S, P))",
        "collect(string.gmatch(S, P, I))",
        "ser((S):find(P, I))",
    ];

    private const string Harness = """
        local function ser(...)
          local out = {}
          for i = 1, select("#", ...) do
            local v = select(i, ...)
            out[i] = type(v) .. ":" .. tostring(v)
          end
          return table.concat(out, ",")
        end
        local function collect(iterator)
          local out = {}
          for i = 1, 50 do
            local packed = table.pack(iterator())
            if packed[1] == nil then break end
            out[#out + 1] = ser(table.unpack(packed, 1, packed.n))
          end
          return table.concat(out, "/")
        end
        local results = {}
        local function case(f)
          local ok, r = pcall(f)
          results[#results + 1] = ok and r or ("error:" .. tostring(r))
        end

        """;

    [GeneratedRegex(@"error:[^\n]*?:\d+: ")]
    private static partial Regex ErrorLocation();

    private static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (char c in text)
        {
            quoted.Append(c is '"' or '\\' ? "\\" + c : c.ToString());
        }

        return quoted.Append('"').ToString();
    }

    private static string Program(IEnumerable<(string Subject, string Pattern, int Init, int Operation)> cases)
    {
        var program = new StringBuilder(Harness);
        foreach (var (subject, pattern, init, operation) in cases)
        {
            program.Append("do local S, P, I = ").Append(Quote(subject)).Append(", ").Append(Quote(pattern)).Append(", ").Append(init)
                .Append(" case(function() return ").Append(Operations[operation]).Append(" end) end\n");
        }

        return program.Append("result = table.concat(results, \"\\n\")\n").ToString();
    }

    private static string Native(string program)
    {
        using var lua = new KeraLua.Lua();
        lua.OpenLibs();
        Assert.False(lua.DoString(program), lua.ToString(-1, false));
        lua.GetGlobal("result");
        return lua.ToString(-1, false);
    }

    private static string Sandboxed(string program)
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 1_000_000_000 });
        var script = host.Load("cases.lua", program);
        Assert.Empty(script.Errors);
        return script.GetGlobal("result").AsString!;
    }

    [Fact]
    public void The_budgeted_matcher_answers_exactly_what_Lua_answers()
    {
        var subject = Gen.String[Gen.Char["ab1 ()"], 0, 10];
        var pattern = Gen.Int[0, PatternTokens.Length - 1].Array[0, 6].Select(tokens => string.Concat(tokens.Select(t => PatternTokens[t])));
        var oneCase = Gen.Select(subject, pattern, Gen.Int[-4, 12], Gen.Int[0, Operations.Length - 1]);
        oneCase.Array[40].Sample(cases =>
        {
            // A batch at a time: one Lua state each, compared line by line so a failure names its case.
            string program = Program(cases);
            string[] native = ErrorLocation().Replace(Native(program), "error:").Split('\n');
            string[] sandboxed = ErrorLocation().Replace(Sandboxed(program), "error:").Split('\n');
            Assert.Equal(cases.Length, sandboxed.Length);
            for (int i = 0; i < cases.Length; i++)
            {
                var (s, p, init, operation) = cases[i];
                Assert.True(native[i] == sandboxed[i], $"S={Quote(s)} P={Quote(p)} I={init} {Operations[operation]}: Lua gives {native[i]}, the sandbox {sandboxed[i]}");
            }
        }, iter: 60);
    }

    [Fact]
    public void Long_subjects_and_the_usual_idioms_match_as_in_Lua()
    {
        string program = Harness + """
            local text = string.rep("key=value; other = 42 ;", 400)
            case(function() return ser(text:find("other = (%d+)", 5000)) end)
            case(function() local n = 0 for k, v in text:gmatch("(%w+)%s*=%s*(%w+)") do n = n + #k + #v end return tostring(n) end)
            case(function() return ser(text:gsub("%s+", "")) end)
            case(function() return ser(("  trim me  "):match("^%s*(.-)%s*$")) end)
            case(function() return ser(("f(a(b)c)d"):match("%b()")) end)
            case(function() return ser(("THE (quick) fox"):find("%f[%a]%a+", 5)) end)
            case(function() return ser(("hello world"):gsub("o", { o = "0" })) end)
            case(function() return ser(("abc"):gsub("", "-")) end)
            case(function() return ser(("abc"):gsub("b*", "-")) end)
            case(function() return ser(string.find("a.b", ".", 1, true)) end)
            case(function() return ser(string.find(12345, 34)) end)
            result = table.concat(results, "\n")
            """;

        Assert.Equal(ErrorLocation().Replace(Native(program), "error:"), ErrorLocation().Replace(Sandboxed(program), "error:"));
    }

    [Theory]
    [InlineData("local s = string.find(string.rep(\"a\", 40), string.rep(\"a*\", 20) .. \"b\")")]
    [InlineData("local s = string.match(string.rep(\"a\", 40), string.rep(\"a-\", 20) .. \"b\")")]
    [InlineData("local s = string.gsub(string.rep(\"a\", 40), string.rep(\".*\", 20) .. \"b\", \"\")")]
    [InlineData("for w in string.gmatch(string.rep(\"a\", 40), string.rep(\"a?\", 30) .. \"b\") do end")]
    [InlineData("local ok, e = pcall(string.find, string.rep(\"a\", 40), string.rep(\"(a*)\", 20) .. \"b\")")]
    [InlineData("local s = string.rep(\"a\", 2000000):find(string.rep(\"a\", 1000000) .. \"b\", 1, true)")]
    [InlineData("local s = string.rep(\"x\", 1000000):find(\".-y\")")]
    public void Catastrophic_patterns_stop_at_the_instruction_budget(string source)
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 1_000_000 });
        var script = host.Load("evil.lua", "log:info(\"before\")\n" + source + "\nlog:info(\"after\")\nfunction Script:update() log:info(\"alive\") end\n");

        var error = Assert.Single(script.Errors);
        Assert.Equal((ScriptErrorKind.InstructionBudget, "evil.lua", 2), (error.Kind, error.File, error.Line));
        Assert.Equal(["[evil.lua] before"], host.Info);

        // The abort cannot be caught, and the next entry runs with a fresh budget.
        host.Tick();
        Assert.Single(script.Errors);
    }

    [Theory]
    [InlineData("local t = table.move({}, 1, 1e15, 2)")]
    [InlineData("local t = setmetatable({}, { __len = function() return 1 << 62 end })\ntable.remove(t, 1)", 2)]
    [InlineData("local s = string.rep(\"\\xc3\\xa4\", 4000000)\nwhile true do utf8.len(s) end", 2)]
    [InlineData("local keep = {}\nfor i = 1, 20000 do keep[i] = {} end\nwhile true do collectgarbage() end", 3)]
    public void C_loops_that_memory_does_not_bound_are_charged_to_the_budget(string source, int line = 1)
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 1_000_000, MemoryLimitBytes = 64L * 1024 * 1024, MaxLuaStringBytes = 16L * 1024 * 1024 });
        var script = host.Load("loops.lua", source + "\nlog:info(\"after\")\n");

        var error = Assert.Single(script.Errors);
        Assert.Equal((ScriptErrorKind.InstructionBudget, line), (error.Kind, error.Line));
        Assert.Empty(host.Info);
    }

    // A constructor with explicit keys puts them in the hash part, where the border `#t` is found by
    // doubling: 61 entries give a length of 2^60, and table.insert(t, 1, v) would shift that many slots.
    [Fact]
    public void Inserting_into_a_table_with_a_huge_border_is_charged_for_every_shifted_slot()
    {
        using var host = new ScriptHost(options: new LuaScriptOptions { InstructionBudget = 1_000_000 });
        string keys = string.Join(", ", Enumerable.Range(0, 61).Select(k => $"[{1L << k}] = true"));
        var script = host.Load("border.lua", $"local t = {{ {keys} }}\nlog:info(tostring(#t))\ntable.insert(t, 1, true)\nlog:info(\"after\")\n");

        Assert.Equal([$"[border.lua] {1L << 60}"], host.Info);
        var error = Assert.Single(script.Errors);
        Assert.Equal((ScriptErrorKind.InstructionBudget, 3), (error.Kind, error.Line));
    }

    [Fact]
    public void An_empty_string_repeated_any_number_of_times_is_empty_at_once()
    {
        using var host = new ScriptHost();
        var script = host.Load("rep.lua", "log:info(\"[\" .. string.rep(\"\", 1 << 62) .. \"]\" .. string.rep(\"\", 1 << 62, \"\") .. string.rep(\"ab\", 2, \",\"))\n");

        Assert.Empty(script.Errors);
        Assert.Equal(["[rep.lua] []ab,ab"], host.Info);
    }

    [Fact]
    public void Malformed_patterns_fail_at_the_scripts_line_with_Luas_message()
    {
        using var host = new ScriptHost();
        var script = host.Load("bad.lua", "local a = 1\nlocal s = (\"abc\"):find(\"[a\")\n");

        var error = Assert.Single(script.Errors);
        Assert.Equal((ScriptErrorKind.Runtime, "bad.lua", 2), (error.Kind, error.File, error.Line));
        Assert.Equal("malformed pattern (missing ']')", error.Message);
    }
}

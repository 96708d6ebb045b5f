using System.Net;
using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Strings the host hands a script obey <see cref="LuaScriptOptions.MaxLuaStringBytes"/> as the script's own do, refused
/// before they are built with the same <see cref="ScriptErrorKind.Limit"/> error. Before, only strings script code made were
/// refused: an HTTP body up to <see cref="LuaScriptOptions.MaxHttpResponseBytes"/> (1 MiB, or more when configured, and up to
/// three times that once invalid UTF-8 was decoded), a game function's result, a handler's arguments or a global the host
/// set reached the script whatever their length, and one comparison of such a string could outlast the time budget.
/// </summary>
public sealed class HostStringLimitTests
{
    private const int Max = 64 * 1024;

    private static LuaScriptOptions Options() => new() { MaxLuaStringBytes = Max };

    [Theory]
    [InlineData(Max + 1, false)]      // over MaxLuaStringBytes, within MaxHttpResponseBytes: refused from its Content-Length
    [InlineData(Max / 2, true)]       // half of it, but invalid UTF-8: each byte decodes to U+FFFD (3 bytes), 96 KiB of Lua string
    public void An_HTTP_body_longer_than_MaxLuaStringBytes_fails_the_call_with_a_limit_error_at_its_line(int bytes, bool invalidUtf8)
    {
        var body = new byte[bytes];
        Array.Fill(body, invalidUtf8 ? (byte)0xFF : (byte)'x');
        using var http = new HttpClient(new FixedBody(body));
        using var host = new ScriptHost(new ScriptServices { Http = http }, Options());
        var script = host.Load("fetch.lua", """
            local http = context.net:createHttpClient()
            local response = http:get("https://api.example.com/data")
            n = #response.body
            """);

        host.TickUntil(() => script.WaitingEntries == 0);

        var error = Assert.Single(script.Errors);
        Assert.Equal((ScriptErrorKind.Limit, 2), (error.Kind, error.Line));
        Assert.Contains($"longer than MaxLuaStringBytes ({Max})", error.Message, StringComparison.Ordinal);
        Assert.Equal(ScriptValueKind.Nil, script.GetGlobal("n").Kind);
    }

    [Fact]
    public void An_HTTP_body_of_MaxLuaStringBytes_reaches_the_script()
    {
        var body = new byte[Max];
        Array.Fill(body, (byte)'x');
        using var http = new HttpClient(new FixedBody(body));
        using var host = new ScriptHost(new ScriptServices { Http = http }, Options());
        var script = host.Load("fetch.lua", """
            local response = context.net:createHttpClient():get("https://api.example.com/data")
            n = #response.body
            """);

        host.TickUntil(() => script.WaitingEntries == 0);

        Assert.Empty(script.Errors);
        Assert.Equal(Max, script.GetGlobal("n").AsInteger);
    }

    [Fact]
    public void A_game_functions_string_result_longer_than_MaxLuaStringBytes_fails_its_call_with_a_limit_error_at_its_line()
    {
        var game = new Dictionary<string, ScriptFunction>
        {
            ["fits"] = _ => new string('x', Max),
            ["big"] = _ => new ScriptTable().With("text", new string('é', (Max / 2) + 1)), // 2 UTF-8 bytes each
            ["loud"] = _ => throw new InvalidOperationException(new string('!', Max + 1)),
        };
        using var host = new ScriptHost(new ScriptServices { Game = game }, Options());
        var script = host.Load("game.lua", """
            fits = #game.fits()
            local ok, e = pcall(game.loud)
            loud = e
            local big = game.big()
            n = #big.text
            """);

        var error = Assert.Single(script.Errors);
        Assert.Equal((ScriptErrorKind.Limit, 4), (error.Kind, error.Line));
        Assert.Equal($"a string of {Max + 2} bytes is longer than MaxLuaStringBytes ({Max})", error.Message);
        Assert.Equal(Max, script.GetGlobal("fits").AsInteger);
        Assert.Equal(ScriptValueKind.Nil, script.GetGlobal("n").Kind);
        // A message the host raises is held to the bound too: it is replaced by one that says how long it was.
        Assert.Equal($"limit: a message of {Max + 19} bytes is longer than MaxLuaStringBytes ({Max})", script.GetGlobal("loud").AsString);
    }

    [Fact]
    public void A_handler_argument_longer_than_MaxLuaStringBytes_is_refused_with_a_limit_error_and_the_handler_does_not_run()
    {
        using var host = new ScriptHost(options: Options());
        var script = host.Load("handler.lua", """
            calls = 0
            function Script:onText(text)
              calls = calls + 1
              n = #text
            end
            """);

        Assert.True(script.Call("onText", new string('x', Max + 1)));
        Assert.True(script.Call("onText", new ScriptTable().With(new string('k', Max + 1), 1)));

        Assert.Equal(0, script.GetGlobal("calls").AsInteger);
        Assert.Equal(2, script.Errors.Count);
        Assert.All(script.Errors, e => Assert.Equal((ScriptErrorKind.Limit, "onText", $"a string of {Max + 1} bytes is longer than MaxLuaStringBytes ({Max})"),
            (e.Kind, e.Entry, e.Message)));

        Assert.True(script.Call("onText", new string('x', Max)));
        Assert.Equal((1, Max), (script.GetGlobal("calls").AsInteger, script.GetGlobal("n").AsInteger));
    }

    [Fact]
    public void A_global_longer_than_MaxLuaStringBytes_is_refused_with_a_limit_error_and_the_global_is_left_as_it_was()
    {
        using var host = new ScriptHost(options: Options());
        var script = host.Load("globals.lua", "s = 'before'");

        var refused = Assert.Throws<LuaScriptException>(() => script.SetGlobal("s", new ScriptTable().With("text", new string('x', Max + 1))));

        Assert.Equal(ScriptErrorKind.Limit, refused.Error.Kind);
        Assert.Equal($"a string of {Max + 1} bytes is longer than MaxLuaStringBytes ({Max})", refused.Error.Message);
        Assert.Equal("before", script.GetGlobal("s").AsString);
        script.SetGlobal("s", new string('x', 1000));
        Assert.Equal(1000, script.GetGlobal("s").AsString!.Length);
    }

    /// <summary>Answers every request with the same body (its Content-Length known), as a server would.</summary>
    private sealed class FixedBody(byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body), RequestMessage = request });
    }
}

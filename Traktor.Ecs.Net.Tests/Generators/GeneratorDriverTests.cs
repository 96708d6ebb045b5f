namespace Traktor.Ecs.Net.Tests.Generators;

public class GeneratorDriverTests
{
    private const string Usings = """
        using System.Numerics;
        using Traktor.Ecs.Net.Serialization;
        using Traktor.Ecs.Net;
        using Traktor.Ecs.Net.Serialization.Delta;
        """;

    private const string Player = Usings + """

        namespace Game;

        public enum Weapon { None, Sword, Bow }

        [Replicated(Importance = 3)]
        public struct Player
        {
            [Range(-100, 100)] [Quantize(0.01f)] public Vector3 Position;
            public Quaternion Facing;
            [Range(0, 200)] public int Health;
            public Weapon Weapon;
            public FixedString32 Name;
            [NotReplicated] public float LocalTimer;
        }

        [Rpc]
        public struct Fire { public NetworkId Target; [Bits(4)] public byte Power; }

        public static class Check
        {
            public static bool RoundTrip()
            {
                var p = new Player { Position = new Vector3(1.234f, -50f, 99.99f), Facing = Quaternion.Identity, Health = 150, Weapon = Weapon.Bow, Name = "Ann" };
                PlayerSerializer.Quantize(p, out var s);
                var buffer = new byte[128];
                var writer = new BitWriter(buffer);
                PlayerSerializer.WriteFull(ref writer, s);
                var reader = new BitReader(buffer);
                PlayerSerializer.ReadFull(ref reader, out var d);
                var back = default(Player);
                PlayerSerializer.Dequantize(d, ref back);

                var older = p;
                older.Health = 10;
                PlayerSerializer.Quantize(older, out var baseline);
                var encoder = new StaticDeltaEncoder(new BitWriter(buffer));
                PlayerSerializer.WriteDelta(ref encoder, s, baseline);
                var decoder = new StaticDeltaDecoder(new BitReader(buffer));
                PlayerSerializer.ReadDelta(ref decoder, baseline, out var fromDelta);

                var fire = new Fire { Target = new NetworkId(77), Power = 9 };
                var fireWriter = new BitWriter(buffer);
                FireSerializer.Write(ref fireWriter, fire);
                var fireReader = new BitReader(buffer);
                FireSerializer.Read(ref fireReader, out var fireBack);

                return !reader.IsFailed && !decoder.IsFailed
                    && Vector3.Distance(back.Position, p.Position) < 0.01f
                    && back.Health == 150 && back.Weapon == Weapon.Bow && back.Name == p.Name
                    && PlayerSerializer.SnapshotEquals(s, fromDelta)
                    && fireBack.Target.Value == 77 && fireBack.Power == 9
                    && FireSerializer.Channel == Channel.ReliableOrdered
                    && Game.GeneratedTests.GeneratedNetworkSchema.Instance.Types.Count == 2;
            }
        }
        """;

    [Fact]
    public void Emitted_code_compiles_without_errors_or_warnings_and_round_trips()
    {
        var result = GeneratorHarness.Run(Player, "Game.GeneratedTests");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning));
        Assert.Equal(3, result.Generated.Length);
        Assert.Contains("public struct PlayerSnapshot", result.Source("Game.Player.Serializer.g.cs"));
        Assert.True(GeneratorHarness.Invoke(result.Output, "Game.Check", "RoundTrip"));
    }

    [Theory]
    [InlineData("public string Name;", "TRKNET001", "Name")]
    [InlineData("public decimal Money;", "TRKNET001", "Money")]
    [InlineData("public System.DateTime When;", "TRKNET001", "When")]
    [InlineData("public ulong Big; public object Thing;", "TRKNET001", "Thing")]
    [InlineData("[Range(0, 10)] public float NoPrecision;", "TRKNET002", "NoPrecision")]
    [InlineData("[Quantize(-1f)] public float Negative;", "TRKNET002", "Negative")]
    [InlineData("[Bits(40)] public int TooWide;", "TRKNET002", "TooWide")]
    [InlineData("[Range(0, 300)] public byte OutOfType;", "TRKNET002", "OutOfType")]
    [InlineData("[Bits(1)] public Quaternion Coarse;", "TRKNET002", "Coarse")]
    [InlineData("public readonly int Fixed;", "TRKNET002", "Fixed")]
    public void Unsupported_or_misconfigured_fields_are_errors_at_the_field(string field, string id, string fieldName)
    {
        string source = Usings + $$"""

            namespace Game;
            [Replicated] public struct Broken { public int Fine; {{field}} }
            """;
        var result = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(fieldName, source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Contains(fieldName, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Nested_generic_and_doubly_attributed_structs_are_rejected()
    {
        string source = Usings + """

            namespace Game;
            public class Outer { [Replicated] public struct Inner { public int A; } }
            [Replicated] public struct Box<T> { public int A; }
            [Replicated, Rpc] public struct Both { public int A; }
            [Replicated] public struct Clash { public Vector2 P; public float P_X; }
            """;
        var ids = GeneratorHarness.Run(source).GeneratorDiagnostics.Select(d => d.Id).ToList();
        Assert.Equal(4, ids.Count(id => id == "TRKNET003"));
    }

    [Fact]
    public void Protocol_hash_is_stable_for_the_same_schema()
    {
        Assert.Equal(GeneratorHarness.Run(Player).ProtocolHash, GeneratorHarness.Run(Player).ProtocolHash);
        string reformatted = Player.Replace("public Quaternion Facing;", "public   Quaternion   Facing ;  // comment", StringComparison.Ordinal);
        Assert.Equal(GeneratorHarness.Run(Player).ProtocolHash, GeneratorHarness.Run(reformatted).ProtocolHash);
        string moreLocal = Player.Replace("[NotReplicated] public float LocalTimer;", "[NotReplicated] public float LocalTimer; [NotReplicated] public int Other;", StringComparison.Ordinal);
        Assert.Equal(GeneratorHarness.Run(Player).ProtocolHash, GeneratorHarness.Run(moreLocal).ProtocolHash);
    }

    [Theory]
    [InlineData("[Quantize(0.01f)] public Vector3 Position", "[Quantize(0.02f)] public Vector3 Position")]
    [InlineData("[Range(-100, 100)] [Quantize", "[Range(-100, 101)] [Quantize")]
    [InlineData("[Range(0, 200)] public int Health", "[Range(0, 200)] public short Health")]
    [InlineData("public Quaternion Facing;", "[Bits(10)] public Quaternion Facing;")]
    [InlineData("public Weapon Weapon;", "public Weapon Weapon; public bool Extra;")]
    [InlineData("public FixedString32 Name;", "public FixedString64 Name;")]
    [InlineData("public FixedString32 Name;", "public FixedString32 Nick;")]
    [InlineData("[Rpc]", "[Rpc(Channel = Channel.Unreliable)]")]
    [InlineData("[NotReplicated] public float LocalTimer;", "public float LocalTimer;")]
    public void Protocol_hash_changes_when_a_replicated_field_changes(string before, string after)
    {
        string changed = Player.Replace(before, after, StringComparison.Ordinal);
        Assert.NotEqual(Player, changed);
        var original = GeneratorHarness.Run(Player);
        var modified = GeneratorHarness.Run(changed);
        Assert.Empty(modified.GeneratorDiagnostics);
        Assert.NotEqual(original.ProtocolHash, modified.ProtocolHash);
    }

    [Fact]
    public void Unrelated_edits_reuse_the_cached_output()
    {
        var first = GeneratorHarness.RunTracked(Player, out var driver, out var compilation);
        Assert.NotEmpty(first.Results[0].GeneratedSources);
        var edited = compilation.AddSyntaxTrees(Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(
            "namespace Game; public static class Unrelated { public static int Answer => 42; }",
            (Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)compilation.SyntaxTrees.First().Options,
            cancellationToken: TestContext.Current.CancellationToken));
        var second = driver.RunGenerators(edited, TestContext.Current.CancellationToken).GetRunResult();
        var outputs = second.Results[0].TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(run => run.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, output => Assert.Contains(output.Reason, new[] { Microsoft.CodeAnalysis.IncrementalStepRunReason.Cached, Microsoft.CodeAnalysis.IncrementalStepRunReason.Unchanged }));
    }

    [Fact]
    public void Assemblies_without_attributed_structs_get_no_generated_code()
    {
        var result = GeneratorHarness.Run("namespace Empty; public struct Plain { public int A; }");
        Assert.Empty(result.Generated);
    }
}

namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// Arch 2.x generates its variadic API for 1–25 component types; code written against it uses wide archetypes as
/// they come. Each call below is Arch's own shape at 25 components (7 for the structural and bulk ones, the first
/// arity past the old limit of 6): before the generator went to 25 none of them compiled.
/// </summary>
public class WideArityTests
{
    private static readonly QueryDescription All25 = new QueryDescription().WithAll<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>();

    /// <summary>Checks that a row's 25 columns all came from row <paramref name="row"/> (W0's value) and bumps the last.</summary>
    private static void Visit(int row, ref W0 w0, ref W1 w1, ref W2 w2, ref W3 w3, ref W4 w4, ref W5 w5, ref W6 w6, ref W7 w7, ref W8 w8, ref W9 w9, ref W10 w10, ref W11 w11, ref W12 w12, ref W13 w13, ref W14 w14, ref W15 w15, ref W16 w16, ref W17 w17, ref W18 w18, ref W19 w19, ref W20 w20, ref W21 w21, ref W22 w22, ref W23 w23, ref W24 w24)
    {
        Assert.Equal(row + 0, w0.Value);
        Assert.Equal(row + 1, w1.Value);
        Assert.Equal(row + 2, w2.Value);
        Assert.Equal(row + 3, w3.Value);
        Assert.Equal(row + 4, w4.Value);
        Assert.Equal(row + 5, w5.Value);
        Assert.Equal(row + 6, w6.Value);
        Assert.Equal(row + 7, w7.Value);
        Assert.Equal(row + 8, w8.Value);
        Assert.Equal(row + 9, w9.Value);
        Assert.Equal(row + 10, w10.Value);
        Assert.Equal(row + 11, w11.Value);
        Assert.Equal(row + 12, w12.Value);
        Assert.Equal(row + 13, w13.Value);
        Assert.Equal(row + 14, w14.Value);
        Assert.Equal(row + 15, w15.Value);
        Assert.Equal(row + 16, w16.Value);
        Assert.Equal(row + 17, w17.Value);
        Assert.Equal(row + 18, w18.Value);
        Assert.Equal(row + 19, w19.Value);
        Assert.Equal(row + 20, w20.Value);
        Assert.Equal(row + 21, w21.Value);
        Assert.Equal(row + 22, w22.Value);
        Assert.Equal(row + 23, w23.Value);
        Assert.Equal(0, (w24.Value - row - 24) % 1000);          // W24 gains 1000 per visit
        w24 = w24 with { Value = w24.Value + 1000 };
    }

    private static int RowOf(in W0 w0) => w0.Value;

    [Fact]
    public void Create_get_set_and_has_reach_each_of_twenty_five_columns()
    {
        using var world = World.Create();
        var entity = world.Create(new W0(100 + 0), new W1(100 + 1), new W2(100 + 2), new W3(100 + 3), new W4(100 + 4), new W5(100 + 5), new W6(100 + 6), new W7(100 + 7), new W8(100 + 8), new W9(100 + 9), new W10(100 + 10), new W11(100 + 11), new W12(100 + 12), new W13(100 + 13), new W14(100 + 14), new W15(100 + 15), new W16(100 + 16), new W17(100 + 17), new W18(100 + 18), new W19(100 + 19), new W20(100 + 20), new W21(100 + 21), new W22(100 + 22), new W23(100 + 23), new W24(100 + 24));

        Assert.True(world.Has<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>(entity));
        Assert.True(entity.Has<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>());
        var components = world.Get<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>(entity);
        Assert.Equal(100, components.t0.Value);
        Assert.Equal(112, components.t12.Value);
        Assert.Equal(124, components.t24.Value);

        components.t24.Value = -1;                                   // the fields are references into the chunk
        Assert.Equal(-1, world.Get<W24>(entity).Value);

        world.Set(entity, new W0(500 + 0), new W1(500 + 1), new W2(500 + 2), new W3(500 + 3), new W4(500 + 4), new W5(500 + 5), new W6(500 + 6), new W7(500 + 7), new W8(500 + 8), new W9(500 + 9), new W10(500 + 10), new W11(500 + 11), new W12(500 + 12), new W13(500 + 13), new W14(500 + 14), new W15(500 + 15), new W16(500 + 16), new W17(500 + 17), new W18(500 + 18), new W19(500 + 19), new W20(500 + 20), new W21(500 + 21), new W22(500 + 22), new W23(500 + 23), new W24(500 + 24));
        Assert.Equal(500, entity.Get<W0>().Value);
        Assert.Equal(524, entity.Get<W24>().Value);
        entity.Set(new W0(700 + 0), new W1(700 + 1), new W2(700 + 2), new W3(700 + 3), new W4(700 + 4), new W5(700 + 5), new W6(700 + 6), new W7(700 + 7), new W8(700 + 8), new W9(700 + 9), new W10(700 + 10), new W11(700 + 11), new W12(700 + 12), new W13(700 + 13), new W14(700 + 14), new W15(700 + 15), new W16(700 + 16), new W17(700 + 17), new W18(700 + 18), new W19(700 + 19), new W20(700 + 20), new W21(700 + 21), new W22(700 + 22), new W23(700 + 23), new W24(700 + 24));
        Assert.Equal(724, entity.Get<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>().t24.Value);
    }

    [Fact]
    public void Queries_of_twenty_five_components_of_every_shape_visit_each_match_once()
    {
        using var world = World.Create();
        var matches = new List<Entity>();
        for (int r = 1; r <= 40; r++)
        {
            matches.Add(world.Create(new W0(r * 100 + 0), new W1(r * 100 + 1), new W2(r * 100 + 2), new W3(r * 100 + 3), new W4(r * 100 + 4), new W5(r * 100 + 5), new W6(r * 100 + 6), new W7(r * 100 + 7), new W8(r * 100 + 8), new W9(r * 100 + 9), new W10(r * 100 + 10), new W11(r * 100 + 11), new W12(r * 100 + 12), new W13(r * 100 + 13), new W14(r * 100 + 14), new W15(r * 100 + 15), new W16(r * 100 + 16), new W17(r * 100 + 17), new W18(r * 100 + 18), new W19(r * 100 + 19), new W20(r * 100 + 20), new W21(r * 100 + 21), new W22(r * 100 + 22), new W23(r * 100 + 23), new W24(r * 100 + 24)));
            world.Create(new W0(r * 100 + 0), new W1(r * 100 + 1), new W2(r * 100 + 2), new W3(r * 100 + 3), new W4(r * 100 + 4), new W5(r * 100 + 5), new W6(r * 100 + 6), new W7(r * 100 + 7), new W8(r * 100 + 8), new W9(r * 100 + 9), new W10(r * 100 + 10), new W11(r * 100 + 11), new W12(r * 100 + 12), new W13(r * 100 + 13), new W14(r * 100 + 14), new W15(r * 100 + 15), new W16(r * 100 + 16), new W17(r * 100 + 17), new W18(r * 100 + 18), new W19(r * 100 + 19), new W20(r * 100 + 20), new W21(r * 100 + 21), new W22(r * 100 + 22), new W23(r * 100 + 23));    // lacks W24: not matched
        }

        world.Query(in All25, (ref W0 w0, ref W1 w1, ref W2 w2, ref W3 w3, ref W4 w4, ref W5 w5, ref W6 w6, ref W7 w7, ref W8 w8, ref W9 w9, ref W10 w10, ref W11 w11, ref W12 w12, ref W13 w13, ref W14 w14, ref W15 w15, ref W16 w16, ref W17 w17, ref W18 w18, ref W19 w19, ref W20 w20, ref W21 w21, ref W22 w22, ref W23 w23, ref W24 w24) => Visit(RowOf(in w0), ref w0, ref w1, ref w2, ref w3, ref w4, ref w5, ref w6, ref w7, ref w8, ref w9, ref w10, ref w11, ref w12, ref w13, ref w14, ref w15, ref w16, ref w17, ref w18, ref w19, ref w20, ref w21, ref w22, ref w23, ref w24));
        var seen = new List<Entity>();
        world.Query(in All25, (Entity entity, ref W0 w0, ref W1 w1, ref W2 w2, ref W3 w3, ref W4 w4, ref W5 w5, ref W6 w6, ref W7 w7, ref W8 w8, ref W9 w9, ref W10 w10, ref W11 w11, ref W12 w12, ref W13 w13, ref W14 w14, ref W15 w15, ref W16 w16, ref W17 w17, ref W18 w18, ref W19 w19, ref W20 w20, ref W21 w21, ref W22 w22, ref W23 w23, ref W24 w24) =>
        {
            seen.Add(entity);
            Visit(RowOf(in w0), ref w0, ref w1, ref w2, ref w3, ref w4, ref w5, ref w6, ref w7, ref w8, ref w9, ref w10, ref w11, ref w12, ref w13, ref w14, ref w15, ref w16, ref w17, ref w18, ref w19, ref w20, ref w21, ref w22, ref w23, ref w24);
        });
        var inline = new Bump();
        world.InlineQuery<Bump, W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>(in All25, ref inline);
        var inlineEntity = new BumpWithEntity { Seen = [] };
        world.InlineEntityQuery<BumpWithEntity, W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>(in All25, ref inlineEntity);
        world.ParallelQuery(in All25, (ref W0 w0, ref W1 w1, ref W2 w2, ref W3 w3, ref W4 w4, ref W5 w5, ref W6 w6, ref W7 w7, ref W8 w8, ref W9 w9, ref W10 w10, ref W11 w11, ref W12 w12, ref W13 w13, ref W14 w14, ref W15 w15, ref W16 w16, ref W17 w17, ref W18 w18, ref W19 w19, ref W20 w20, ref W21 w21, ref W22 w22, ref W23 w23, ref W24 w24) => Visit(RowOf(in w0), ref w0, ref w1, ref w2, ref w3, ref w4, ref w5, ref w6, ref w7, ref w8, ref w9, ref w10, ref w11, ref w12, ref w13, ref w14, ref w15, ref w16, ref w17, ref w18, ref w19, ref w20, ref w21, ref w22, ref w23, ref w24));
        var parallel = new Bump();
        world.InlineParallelQuery<Bump, W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>(in All25, ref parallel);

        Assert.True(matches.ToHashSet().SetEquals(seen) && seen.Count == matches.Count);
        Assert.True(matches.ToHashSet().SetEquals(inlineEntity.Seen) && inlineEntity.Seen.Count == matches.Count);
        Assert.Equal(matches.Count, inline.Count);
        foreach (var entity in matches)
        {
            Assert.Equal(entity.Get<W0>().Value + 24 + (6 * 1000), entity.Get<W24>().Value);   // six shapes, once each
        }

        Assert.Equal(matches.Count, world.CountEntities(in All25));
    }

    [Fact]
    public void Seven_components_are_added_and_removed_per_entity_and_by_query()
    {
        using var world = World.Create();
        var entity = world.Create(new W24(0));
        world.Add(entity, new W0(300 + 0), new W1(300 + 1), new W2(300 + 2), new W3(300 + 3), new W4(300 + 4), new W5(300 + 5), new W6(300 + 6));
        Assert.True(entity.Has<W0, W1, W2, W3, W4, W5, W6>());
        Assert.Equal(306, world.Get<W6>(entity).Value);
        world.Remove<W0, W1, W2, W3, W4, W5, W6>(entity);
        Assert.Equal(new ComponentType[] { typeof(W24) }, world.GetComponentTypes(entity));

        world.Create(10, new W0(0 + 0), new W1(0 + 1), new W2(0 + 2), new W3(0 + 3), new W4(0 + 4), new W5(0 + 5), new W6(0 + 6));                           // Arch's bulk create: 10 alike
        var seven = new QueryDescription().WithAll<W0, W1, W2, W3, W4, W5, W6>().WithNone<W24>();
        Assert.Equal(10, world.CountEntities(in seven));
        world.Set(in seven, new W0(900 + 0), new W1(900 + 1), new W2(900 + 2), new W3(900 + 3), new W4(900 + 4), new W5(900 + 5), new W6(900 + 6));
        world.Add(in seven, new W7(7), new W8(8), new W9(9), new W10(10), new W11(11), new W12(12), new W13(13));
        var fourteen = new QueryDescription().WithAll<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13>();
        Assert.Equal(10, world.CountEntities(in fourteen));
        world.Query(in fourteen, (ref W6 w6, ref W13 w13) => Assert.Equal((906, 13), (w6.Value, w13.Value)));
        world.Remove<W0, W1, W2, W3, W4, W5, W6>(in fourteen);
        Assert.Equal(10, world.CountEntities(new QueryDescription().WithExclusive<W7, W8, W9, W10, W11, W12, W13>()));
    }

    [Fact]
    public void Chunks_groups_and_signatures_take_twenty_five_types()
    {
        using var world = World.Create();
        world.Create(new W0(100 + 0), new W1(100 + 1), new W2(100 + 2), new W3(100 + 3), new W4(100 + 4), new W5(100 + 5), new W6(100 + 6), new W7(100 + 7), new W8(100 + 8), new W9(100 + 9), new W10(100 + 10), new W11(100 + 11), new W12(100 + 12), new W13(100 + 13), new W14(100 + 14), new W15(100 + 15), new W16(100 + 16), new W17(100 + 17), new W18(100 + 18), new W19(100 + 19), new W20(100 + 20), new W21(100 + 21), new W22(100 + 22), new W23(100 + 23), new W24(100 + 24));
        var second = world.Create(new W0(200 + 0), new W1(200 + 1), new W2(200 + 2), new W3(200 + 3), new W4(200 + 4), new W5(200 + 5), new W6(200 + 6), new W7(200 + 7), new W8(200 + 8), new W9(200 + 9), new W10(200 + 10), new W11(200 + 11), new W12(200 + 12), new W13(200 + 13), new W14(200 + 14), new W15(200 + 15), new W16(200 + 16), new W17(200 + 17), new W18(200 + 18), new W19(200 + 19), new W20(200 + 20), new W21(200 + 21), new W22(200 + 22), new W23(200 + 23), new W24(200 + 24));

        foreach (ref var chunk in world.Query(in All25))
        {
            Assert.True(chunk.Has<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>());
            chunk.GetSpan<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>(out var s0, out var s1, out var s2, out var s3, out var s4, out var s5, out var s6, out var s7, out var s8, out var s9, out var s10, out var s11, out var s12, out var s13, out var s14, out var s15, out var s16, out var s17, out var s18, out var s19, out var s20, out var s21, out var s22, out var s23, out var s24);
            Assert.Equal(2, s24.Length);
            var row = chunk.GetRow<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>(1);
            Assert.Equal(row.Entity.Get<W0>().Value + 24, row.t24.Value);
            Assert.Equal(s0[1].Value + 24, chunk.Get<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>(1).t24.Value);
        }

        Assert.Equal(25, Group<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>.Types.Length);
        Assert.Equal(Component<W24, W23, W22, W21, W20, W19, W18, W17, W16, W15, W14, W13, W12, W11, W10, W9, W8, W7, W6, W5, W4, W3, W2, W1, W0>.Hash, Component<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>.Hash);
        Assert.Equal(Component<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>.Signature, world.GetSignature(second));
        Assert.Equal(0, world.CountEntities(new QueryDescription().WithAll<W0>().WithAny<Unused, Mass, Team, Label, Position, Velocity, Health>()));
        Assert.Equal(2, world.CountEntities(new QueryDescription().WithNone<Unused, Mass, Team, Label, Position, Velocity, Health>()));
    }

    private struct Bump : IForEach<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>
    {
        public int Count;

        public void Update(ref W0 w0, ref W1 w1, ref W2 w2, ref W3 w3, ref W4 w4, ref W5 w5, ref W6 w6, ref W7 w7, ref W8 w8, ref W9 w9, ref W10 w10, ref W11 w11, ref W12 w12, ref W13 w13, ref W14 w14, ref W15 w15, ref W16 w16, ref W17 w17, ref W18 w18, ref W19 w19, ref W20 w20, ref W21 w21, ref W22 w22, ref W23 w23, ref W24 w24)
        {
            Count++;
            Visit(RowOf(in w0), ref w0, ref w1, ref w2, ref w3, ref w4, ref w5, ref w6, ref w7, ref w8, ref w9, ref w10, ref w11, ref w12, ref w13, ref w14, ref w15, ref w16, ref w17, ref w18, ref w19, ref w20, ref w21, ref w22, ref w23, ref w24);
        }
    }

    private struct BumpWithEntity : IForEachWithEntity<W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17, W18, W19, W20, W21, W22, W23, W24>
    {
        public List<Entity> Seen;

        public void Update(Entity entity, ref W0 w0, ref W1 w1, ref W2 w2, ref W3 w3, ref W4 w4, ref W5 w5, ref W6 w6, ref W7 w7, ref W8 w8, ref W9 w9, ref W10 w10, ref W11 w11, ref W12 w12, ref W13 w13, ref W14 w14, ref W15 w15, ref W16 w16, ref W17 w17, ref W18 w18, ref W19 w19, ref W20 w20, ref W21 w21, ref W22 w22, ref W23 w23, ref W24 w24)
        {
            Seen.Add(entity);
            Visit(RowOf(in w0), ref w0, ref w1, ref w2, ref w3, ref w4, ref w5, ref w6, ref w7, ref w8, ref w9, ref w10, ref w11, ref w12, ref w13, ref w14, ref w15, ref w16, ref w17, ref w18, ref w19, ref w20, ref w21, ref w22, ref w23, ref w24);
        }
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Functions.CatalogImport;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Local.Commands;

/// <summary>
/// <c>bench catalog</c>: a seeded catalog CSV (100,000 rows by default) uploaded to the local stack's landing bucket and
/// imported through CatalogImport's real code and adapters (DynamoDB, S3, Kinesis), three times: a first import (all
/// new), the same file uploaded again (same content: recognised without reading it), and a daily-feed style re-import with 1%
/// of prices and stock changed (every row compared with the store).
/// </summary>
internal static class CatalogBench
{
    public static Command Create(Option<string?> state)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var rows = new Option<int>("--rows") { Description = "Rows in the generated file.", DefaultValueFactory = _ => 100_000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated catalog.", DefaultValueFactory = _ => 5 };
        var command = new Command("catalog", "Rows per second of a CatalogImport of a generated CSV against the local stack, with phase timings.")
        {
            json, rows, seed,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            var result = await RunAsync(stack, parse.GetValue(rows), parse.GetValue(seed), ct);
            Console.WriteLine(parse.GetValue(json) ? result.ToJsonString() : result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return command;
    }

    private static async Task<JsonObject> RunAsync(LocalStack stack, int rowCount, int seed, CancellationToken ct)
    {
        var names = ResourceBindings.FromPrefix("bench-" + Guid.NewGuid().ToString("N")[..8]);
        await stack.ProvisionAsync(names, ct);
        var landing = names.Bucket(Buckets.Landing);
        var file = Path.Combine(Path.GetTempPath(), $"eca-catalog-bench-{seed}-{rowCount}-{Guid.NewGuid():N}.csv");
        try
        {
            var generate = Stopwatch.StartNew();
            var written = Generate(file, rowCount, seed, changedShare: 0);
            generate.Stop();
            var key = $"{ZoneLayout.CatalogIncoming}bench-{seed}-{rowCount}.csv";
            var upload = Stopwatch.StartNew();
            await PutAsync(stack, landing, key, file, ct);
            upload.Stop();

            var env = new FunctionEnvironment(stack.Endpoints, names, new Dictionary<string, string>()) { Output = TextWriter.Null };
            using var dynamo = DynamoDbClientFactory.Create(stack.Endpoints);
            var function = CatalogImportFunction.Create(env, new CatalogStore(dynamo, names), new S3CatalogFiles(stack.S3Client, names),
                new KinesisProductEvents(StreamClients.Kinesis(stack.Endpoints), names.Stream(Streams.Events)));

            var first = await ImportAsync(function, stack, landing, key, ct);
            var againKey = key.Replace(".csv", "-again.csv", StringComparison.Ordinal);
            await PutAsync(stack, landing, againKey, file, ct);
            var again = await ImportAsync(function, stack, landing, againKey, ct);

            Generate(file, rowCount, seed, changedShare: 0.01);
            var dailyKey = key.Replace(".csv", "-daily.csv", StringComparison.Ordinal);
            await PutAsync(stack, landing, dailyKey, file, ct);
            var daily = await ImportAsync(function, stack, landing, dailyKey, ct);

            return new JsonObject
            {
                ["rows"] = rowCount,
                ["fileBytes"] = written,
                ["generateMs"] = Math.Round(generate.Elapsed.TotalMilliseconds),
                ["uploadMs"] = Math.Round(upload.Elapsed.TotalMilliseconds),
                ["rowsPerSecond"] = first["rowsPerSecond"]!.DeepClone(),
                ["firstImport"] = first,
                ["sameFileAgain"] = again,
                ["dailyFeedOnePercentChanged"] = daily,
                ["stores"] = "dynalite (DynamoDB), s3rver (S3), kinesalite (Kinesis) on this machine; the function runs in this process (JIT, not the AOT binary)",
            };
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task PutAsync(LocalStack stack, string bucket, string key, string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        await stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = stream, ContentType = "text/csv", AutoCloseStream = false }, ct);
    }

    private static async Task<JsonObject> ImportAsync(CatalogImportFunction function, LocalStack stack, string bucket, string key, CancellationToken ct)
    {
        var evt = S3EventBridgeSource.ObjectCreatedEvent(bucket, key, region: stack.Options.Region);
        var watch = Stopwatch.StartNew();
        var response = await function.HandleAsync(evt, LambdaInvocation.Local(TimeSpan.FromMinutes(15)), ct);
        watch.Stop();
        var result = response.Imports[0];
        using var reportObject = await stack.S3Client.GetObjectAsync(bucket, result.Report!.Split('/', 4)[3], ct);
        var report = (await JsonNode.ParseAsync(reportObject.ResponseStream, cancellationToken: ct))!.AsObject();
        return new JsonObject
        {
            ["status"] = result.Status,
            ["milliseconds"] = Math.Round(watch.Elapsed.TotalMilliseconds),
            ["rowsPerSecond"] = Math.Round(result.Rows / watch.Elapsed.TotalSeconds),
            ["rows"] = result.Rows,
            ["ok"] = result.Ok,
            ["rejected"] = result.Rejected,
            ["duplicates"] = result.Duplicates,
            ["new"] = result.New,
            ["changed"] = result.Changed,
            ["unchanged"] = result.Unchanged,
            ["stockDeltasEmitted"] = result.StockDeltasEmitted,
            ["classifier"] = report["classifier"]?.DeepClone(),
            ["phaseMilliseconds"] = report["phaseMilliseconds"]?.DeepClone(),
        };
    }

    private static readonly Dictionary<string, string[]> Nouns = new()
    {
        ["electronics"] = ["Wireless Earbuds", "Bluetooth Speaker", "USB-C Charger", "Gaming Mouse", "4K Monitor", "Smartwatch", "Power Bank", "Mechanical Keyboard"],
        ["books"] = ["Paperback Novel", "Cookbook", "Graphic Novel", "Travel Guide", "Children's Picture Book", "Biography", "Study Guide", "Poetry Collection"],
        ["home"] = ["Coffee Maker", "Cotton Bed Sheets", "Non-Stick Frying Pan", "Table Lamp", "Bath Towels", "Air Fryer", "Throw Blanket", "Knife Set"],
        ["garden"] = ["Garden Hose", "Pruning Shears", "Solar Lights", "Raised Garden Bed", "Lawn Mower", "Flower Pots", "Bird Feeder", "Potting Soil"],
        ["toys"] = ["Building Blocks", "Plush Teddy Bear", "Jigsaw Puzzle", "Board Game", "Remote Control Car", "Action Figure", "Wooden Train Set", "Science Kit"],
        ["fashion"] = ["Denim Jacket", "Leather Boots", "Cotton T-Shirt", "Wool Scarf", "Running Sneakers", "Tote Bag", "Sunglasses", "Summer Dress"],
        ["sports"] = ["Yoga Mat", "Adjustable Dumbbells", "Tennis Racket", "Bike Helmet", "Camping Tent", "Jump Rope", "Soccer Ball", "Swim Goggles"],
        ["beauty"] = ["Vitamin C Serum", "Moisturizer", "Matte Lipstick", "Shampoo", "Eau de Parfum", "Sunscreen SPF 50", "Mascara", "Hair Dryer"],
        ["grocery"] = ["Coffee Beans", "Green Tea", "Extra Virgin Olive Oil", "Dark Chocolate", "Basmati Rice", "Peanut Butter", "Granola", "Sparkling Water"],
        ["automotive"] = ["Motor Oil 5W-30", "Wiper Blades", "Jump Starter", "Tire Inflator", "Dash Cam", "Car Wax", "Brake Pads", "Phone Mount for Car"],
    };

    private static readonly string[] Adjectives = ["Premium", "Classic", "Compact", "Deluxe", "Eco", "Pro", "Essential", "Ultra", "Everyday", "Signature"];
    private static readonly string[] Brands = ["Acme", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Proseware", "Adatum", "Wingtip", "Lucerne"];

    /// <summary>
    /// A seeded catalog: a tenth of the rows have no category (the classifier's work), titles with commas and quotes
    /// (quoted CSV), list prices on a third, 0.2% malformed rows and 0.5% repeated SKUs. <paramref name="changedShare"/>
    /// of the products get a new price and stock (the same seed otherwise gives the same file).
    /// </summary>
    private static long Generate(string path, int rows, int seed, double changedShare)
    {
        var random = new Random(seed);
        var changes = new Random(seed + 1);
        var categories = Nouns.Keys.ToArray();
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        writer.Write("sku,title,brand,category,price,currency,list_price,stock\n");
        for (var i = 0; i < rows; i++)
        {
            var category = categories[random.Next(categories.Length)];
            var noun = Nouns[category][random.Next(Nouns[category].Length)];
            var brand = Brands[random.Next(Brands.Length)];
            var sku = random.NextDouble() < 0.005 && i > 10 ? $"BENCH-{random.Next(i):D7}" : $"BENCH-{i:D7}";
            var title = random.Next(4) switch
            {
                0 => $"\"{brand} {Adjectives[random.Next(Adjectives.Length)]} {noun}, {random.Next(1, 5)} Pack\"",
                1 => $"\"{brand} {noun} \"\"{Adjectives[random.Next(Adjectives.Length)]}\"\" Edition\"",
                _ => $"{Adjectives[random.Next(Adjectives.Length)]} {noun}",
            };
            var price = Math.Round((decimal)(random.NextDouble() * 480) + 2.99m, 2);
            var stock = random.Next(0, 400);
            if (changes.NextDouble() < changedShare)
            {
                price += 1;
                stock += 7;
            }

            var listPrice = random.Next(3) == 0 ? (price * 1.25m).ToString("0.00", CultureInfo.InvariantCulture) : "";
            var categoryText = random.Next(10) == 0 ? "" : category;
            if (random.NextDouble() < 0.002)
            {
                writer.Write($"{sku},\"Broken {noun} title,{brand},{categoryText},{price.ToString(CultureInfo.InvariantCulture)},EUR,,{stock}\n");
                continue;
            }

            writer.Write($"{sku},{title},{brand},{categoryText},{price.ToString(CultureInfo.InvariantCulture)},EUR,{listPrice},{stock.ToString(CultureInfo.InvariantCulture)}\n");
        }

        writer.Flush();
        return writer.BaseStream.Length;
    }
}

# The few commands people type. Each finds a JDK 25 itself (scripts/find-jdk25).
MVN := scripts/mvn -B --no-transfer-progress

.PHONY: test build local check-tools test-packages validate bench soak clean

## test: build every function zip and run all tests against local emulators (ElasticMQ, moto), a
##       local RabbitMQ broker and the console in a headless Chromium (Debian packages, installed when missing)
test: test-packages check-tools
	$(MVN) -T 3 verify

## build: the Lambda zips template.yaml points at (functions/*/target/*.zip), no tests
build:
	$(MVN) -q -T 2 -DskipTests install

## local: build, then run the whole template locally (API on :3000, AWS endpoint on :4566)
local: build
	local/run start

## test-packages: install chromium, chromium-driver and rabbitmq-server (apt-get, with sudo unless root) when missing
test-packages:
	@scripts/install-test-packages

## check-tools: say which tools the tests need and are missing
check-tools:
	@scripts/check-tools

## validate: lint template.yaml and run the SAM transform on it
validate: check-tools
	cfn-lint template.yaml
	scripts/sam-translate.py template.yaml > /dev/null && echo "template.yaml: SAM transform ok"

## bench: print the figures in BENCHMARKS.md (zip sizes, cold starts, warm overhead, writes per order, throughput, files, reports);
##        BENCH="zips cold" (or warm, orders, files, reports) runs only those groups
bench: build
	"$$(scripts/find-jdk25)/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
	  -cp "bench/target/bench.jar:bench/target/lib/*" eventjobs.bench.Benchmarks $(BENCH)

## soak: the fault soak: 10,000 orders, files, images and reports under chaos, then every outcome checked (ARGS="--help")
soak: build
	"$$(scripts/find-jdk25)/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
	  -cp "bench/target/bench.jar:bench/target/lib/*" eventjobs.bench.soak.Soak $(ARGS)

clean:
	$(MVN) -q clean

/* SPDX-License-Identifier: MIT */
/*
 * fuzz_policy.c: the policy loader (policy_load.c, policy_dive.c) on a
 * hostile policy file, JSON or dive's .dive-ci, and the loaded policy
 * checked against a small report and two files, its result turned into
 * JSON as the audit does.  Seeds: the policies of the tests and docs.
 */
#include "fuzz.h"
#include "policy.h"

static const char report_json[] =
	"{\"totals\":{\"final_bytes\":18100000,\"compressed_bytes\":"
	"16100000,\"layer_bytes\":18600000,\"wasted_bytes\":515000,"
	"\"efficiency\":0.972,\"removable_bytes\":1000,\"layers\":6,"
	"\"dive_efficiency\":0.998,\"dive_wasted_bytes\":50800,"
	"\"dive_user_wasted_percent\":0.3}}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct policy_file files[] = {
		{ "/usr/lib/x.so", 1000, "runtime" },
		{ "/root/.cache/pip/y", 5000000, NULL },
	};
	struct policy *p;
	struct policy_result res;
	struct ia_error err;
	cJSON *report, *j;
	char path[512];

	if (size > 2 * 1024 * 1024)
		return 0;
	fuzz_write("policy", data, size);
	fuzz_path(path, sizeof(path), "policy");
	if (policy_load(path, &p, &err) != IA_OK)
		return 0;
	(void)policy_n_rules(p);
	report = cJSON_Parse(report_json);
	(void)policy_check(p, report, files, 2, &res);
	j = policy_result_json(p, &res);
	cJSON_Delete(j);
	policy_result_free(&res);
	cJSON_Delete(report);
	policy_free(p);
	return 0;
}

"""Jupyter's kernel conformance suite (Debian python3-jupyter-kernel-test) configured for the kubelab kernel.

Run by test/kernel/conformance.test.ts with JUPYTER_PATH pointing at a temporary kernelspec; the kernel
name comes from KUBELAB_KERNEL_NAME.
"""
import os
import unittest

import jupyter_kernel_test


class KubelabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("KUBELAB_KERNEL_NAME", "kubelab")
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'

    completion_samples = [
        {"text": "Math.flo", "matches": {"floor"}},
        {"text": "const kubelabAnswer = 42;\nkubelabAns", "matches": {"kubelabAnswer"}},
    ]
    complete_code_samples = ["1 + 1", "const x = 1;", "function f() {\n  return 1;\n}"]
    incomplete_code_samples = ["function f() {", "const a = [1,", "if (true) {"]
    invalid_code_samples = ["const = 1;", "1 +* 2"]

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"kube" + "lab"', "result": "'kubelab'"},
        {
            "code": '({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>hi</b>" }; } })',
            "mime": "text/html",
            "result": "<b>hi</b>",
        },
    ]
    code_display_data = [
        {"code": 'display({ "text/html": "<i>x</i>" }, { raw: true })', "mime": "text/html"},
        {"code": "display({ a: 1 })", "mime": "text/plain"},
        {
            "code": 'display({ async [Symbol.for("Jupyter.display")]() { return { "image/svg+xml": "<svg/>" }; } })',
            "mime": "image/svg+xml",
        },
    ]

    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"
    code_clear_output = "clearOutput()"


if __name__ == "__main__":
    unittest.main()

# Copyright 2022 The Google Earth Engine Community Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#    https://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# [START earthengine__apidocs__ee_array_digamma]
display('Digamma for 0:', ee.Array(0).digamma())  # -Infinity
display('Digamma for 1:', ee.Array(1).digamma())  # -0.577
display('Digamma for [1, 2]:', ee.Array([1, 2]).digamma())  # -0.577, 0.423
# [END earthengine__apidocs__ee_array_digamma]
